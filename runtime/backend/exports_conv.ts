/** Exports of the convolution kernels (assembly/conv*.ts): conv2d and transposed conv2d. */
// deno-lint-ignore no-empty-interface
export interface ConvExports {}
