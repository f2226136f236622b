/** The edgegrad kernel module: every export is a flat function over pointers into linear memory. */
export * from "./fill";
