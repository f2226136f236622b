/** Ops of this family are being written. */
export {};
