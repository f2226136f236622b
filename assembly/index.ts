/** The edgegrad kernel module: every export is a flat function over pointers into linear memory. */
export * from "./fill";
export * from "./gemm";
export * from "./elementwise";
export * from "./reduce";
export * from "./softmax";
export * from "./copy";
export * from "./gather";
export * from "./random";
export * from "./optim";
export * from "./conv";
export * from "./pool";
export * from "./norm";
