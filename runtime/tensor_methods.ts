/**
 * Method forms of the ops (`x.add(y)`, `x.matmul(w).relu()`), attached to Tensor's prototype so
 * that `tensor.ts` need not import every op.
 */
import { Tensor } from "./tensor.ts";
import * as F from "./functional.ts";
import type { Dims } from "./ops/reduce.ts";
import type { ShapeArgs } from "./shape.ts";
import { cast } from "./backend/kernels/fill.ts";
import { runBackward } from "./autograd/engine.ts";

type VarianceOptions = F.VarianceOptions;
type ClampBounds = F.ClampBounds;
type GeluOptions = F.GeluOptions;
type SoftplusOptions = F.SoftplusOptions;

declare module "./tensor.ts" {
  interface Tensor {
    /** this + other (broadcasting). */ add(other: Tensor | number): Tensor;
    /** this − other. */ sub(other: Tensor | number): Tensor;
    /** this · other elementwise. */ mul(other: Tensor | number): Tensor;
    /** this / other. */ div(other: Tensor | number): Tensor;
    /** this ^ exponent. */ pow(exponent: Tensor | number): Tensor;
    /** −this. */ neg(): Tensor;
    /** e^this. */ exp(): Tensor;
    /** ln this. */ log(): Tensor;
    /** ln(1 + this), exact near 0. */ log1p(): Tensor;
    /** √this. */ sqrt(): Tensor;
    /** |this|. */ abs(): Tensor;
    /** −1, 0 or 1. */ sign(): Tensor;
    /** this². */ square(): Tensor;
    /** Limits to [min, max]. */ clamp(bounds: ClampBounds): Tensor;
    /** Elementwise larger of this and other. */ maximum(other: Tensor | number): Tensor;
    /** Elementwise smaller of this and other. */ minimum(other: Tensor | number): Tensor;
    /** this where condition is nonzero, other elsewhere (torch.Tensor.where). */
    where(condition: Tensor, other: Tensor | number): Tensor;
    /** Matrix product (torch.matmul rules). */ matmul(other: Tensor): Tensor;
    /** Sum over dims. */ sum(dim?: Dims, keepdim?: boolean): Tensor;
    /** Mean over dims. */ mean(dim?: Dims, keepdim?: boolean): Tensor;
    /** Max over dims. */ max(dim?: Dims, keepdim?: boolean): Tensor;
    /** Min over dims. */ min(dim?: Dims, keepdim?: boolean): Tensor;
    /** Max over one or several dims (torch.amax). */ amax(dim?: Dims, keepdim?: boolean): Tensor;
    /** Min over one or several dims (torch.amin). */ amin(dim?: Dims, keepdim?: boolean): Tensor;
    /** Index of the max (int32). */ argmax(dim?: number, keepdim?: boolean): Tensor;
    /** Index of the min (int32). */ argmin(dim?: number, keepdim?: boolean): Tensor;
    /** log Σ exp over dims. */ logsumexp(dim: Dims, keepdim?: boolean): Tensor;
    /** Variance (Bessel-corrected by default). */
    var(dim?: Dims, options?: VarianceOptions): Tensor;
    /** Same elements, new shape (shares memory): reshape(4, 6) or reshape([4, 6]). */
    reshape(...shape: ShapeArgs): Tensor;
    /** As reshape (memory is always contiguous here): view(4, 6) or view([4, 6]). */
    view(...shape: ShapeArgs): Tensor;
    /** Flattens dims start..end. */ flatten(startDim?: number, endDim?: number): Tensor;
    /** Drops size-1 dims. */ squeeze(dim?: number): Tensor;
    /** Inserts a size-1 dim. */ unsqueeze(dim: number): Tensor;
    /** Swaps two dims. */ transpose(dim0?: number, dim1?: number): Tensor;
    /** Reorders dims: permute(0, 2, 1) or permute([0, 2, 1]). */ permute(
      ...dims: ShapeArgs
    ): Tensor;
    /** Broadcasts to a shape: expand(4, 6) or expand([4, 6]). */ expand(
      ...shape: ShapeArgs
    ): Tensor;
    /** Entries start..start+length−1 of a dim. */ narrow(
      dim: number,
      start: number,
      length: number,
    ): Tensor;
    /** Python-style slice of a dim. */ slice(
      dim: number,
      start?: number,
      end?: number,
      step?: number,
    ): Tensor;
    /** torch.gather. */ gather(dim: number, index: Tensor): Tensor;
    /** Rows of a dim picked by a 1-D index. */ indexSelect(dim: number, index: Tensor): Tensor;
    /** max(this, 0). */ relu(): Tensor;
    /** this or negativeSlope·this. */ leakyRelu(negativeSlope?: number): Tensor;
    /** Logistic sigmoid. */ sigmoid(): Tensor;
    /** Hyperbolic tangent. */ tanh(): Tensor;
    /** log(1 + e^(beta·this)) / beta. */ softplus(options?: SoftplusOptions): Tensor;
    /** GELU (erf, or the tanh approximation). */ gelu(options?: GeluOptions): Tensor;
    /** this or alpha·(e^this − 1). */ elu(alpha?: number): Tensor;
    /** this·σ(this). */ silu(): Tensor;
    /** Softmax along dim. */ softmax(dim?: number): Tensor;
    /** Log-softmax along dim. */ logSoftmax(dim?: number): Tensor;
    /** 1/0 mask of this == other. */ eq(other: Tensor | number): Tensor;
    /** 1/0 mask of this != other. */ ne(other: Tensor | number): Tensor;
    /** 1/0 mask of this > other. */ gt(other: Tensor | number): Tensor;
    /** 1/0 mask of this >= other. */ ge(other: Tensor | number): Tensor;
    /** 1/0 mask of this < other. */ lt(other: Tensor | number): Tensor;
    /** 1/0 mask of this <= other. */ le(other: Tensor | number): Tensor;
    /** A float32 copy. */ float(): Tensor;
    /** An int32 copy (truncating toward zero). */ int(): Tensor;
    /**
     * Back-propagates from this tensor: every leaf with `requiresGrad` that it depends on gets its
     * gradient added to `.grad`. A non-scalar tensor needs the upstream `gradient` (same shape).
     */
    backward(gradient?: Tensor): void;
  }
}

const methods: Record<string, (this: Tensor, ...args: never[]) => Tensor> = {
  add(other: Tensor | number) {
    return F.add(this, other);
  },
  sub(other: Tensor | number) {
    return F.sub(this, other);
  },
  mul(other: Tensor | number) {
    return F.mul(this, other);
  },
  div(other: Tensor | number) {
    return F.div(this, other);
  },
  pow(exponent: Tensor | number) {
    return F.pow(this, exponent);
  },
  neg() {
    return F.neg(this);
  },
  exp() {
    return F.exp(this);
  },
  log() {
    return F.log(this);
  },
  log1p() {
    return F.log1p(this);
  },
  sign() {
    return F.sign(this);
  },
  maximum(other: Tensor | number) {
    return F.maximum(this, other);
  },
  minimum(other: Tensor | number) {
    return F.minimum(this, other);
  },
  where(condition: Tensor, other: Tensor | number) {
    return F.where(condition, this, other);
  },
  sqrt() {
    return F.sqrt(this);
  },
  abs() {
    return F.abs(this);
  },
  square() {
    return F.square(this);
  },
  clamp(bounds: ClampBounds) {
    return F.clamp(this, bounds);
  },
  matmul(other: Tensor) {
    return F.matmul(this, other);
  },
  sum(dim?: Dims, keepdim?: boolean) {
    return F.sum(this, dim, keepdim);
  },
  mean(dim?: Dims, keepdim?: boolean) {
    return F.mean(this, dim, keepdim);
  },
  max(dim?: Dims, keepdim?: boolean) {
    return F.max(this, dim, keepdim);
  },
  min(dim?: Dims, keepdim?: boolean) {
    return F.min(this, dim, keepdim);
  },
  amax(dim?: Dims, keepdim?: boolean) {
    return F.amax(this, dim, keepdim);
  },
  amin(dim?: Dims, keepdim?: boolean) {
    return F.amin(this, dim, keepdim);
  },
  argmax(dim?: number, keepdim?: boolean) {
    return F.argmax(this, dim, keepdim);
  },
  argmin(dim?: number, keepdim?: boolean) {
    return F.argmin(this, dim, keepdim);
  },
  logsumexp(dim: Dims, keepdim?: boolean) {
    return F.logsumexp(this, dim, keepdim);
  },
  var(dim?: Dims, options?: VarianceOptions) {
    return F.var(this, dim, options);
  },
  reshape(...shape: ShapeArgs) {
    return F.reshape(this, ...shape);
  },
  view(...shape: ShapeArgs) {
    return F.reshape(this, ...shape);
  },
  flatten(startDim?: number, endDim?: number) {
    return F.flatten(this, startDim, endDim);
  },
  squeeze(dim?: number) {
    return F.squeeze(this, dim);
  },
  unsqueeze(dim: number) {
    return F.unsqueeze(this, dim);
  },
  transpose(dim0?: number, dim1?: number) {
    return F.transpose(this, dim0, dim1);
  },
  permute(...dims: ShapeArgs) {
    return F.permute(this, ...dims);
  },
  expand(...shape: ShapeArgs) {
    return F.expand(this, ...shape);
  },
  narrow(dim: number, start: number, length: number) {
    return F.narrow(this, dim, start, length);
  },
  slice(dim: number, start?: number, end?: number, step?: number) {
    return F.slice(this, dim, start, end, step);
  },
  gather(dim: number, index: Tensor) {
    return F.gather(this, dim, index);
  },
  indexSelect(dim: number, index: Tensor) {
    return F.indexSelect(this, dim, index);
  },
  relu() {
    return F.relu(this);
  },
  leakyRelu(negativeSlope?: number) {
    return F.leakyRelu(this, negativeSlope);
  },
  sigmoid() {
    return F.sigmoid(this);
  },
  tanh() {
    return F.tanh(this);
  },
  softplus(options?: SoftplusOptions) {
    return F.softplus(this, options);
  },
  gelu(options?: GeluOptions) {
    return F.gelu(this, options);
  },
  elu(alpha?: number) {
    return F.elu(this, alpha);
  },
  silu() {
    return F.silu(this);
  },
  softmax(dim?: number) {
    return F.softmax(this, dim);
  },
  logSoftmax(dim?: number) {
    return F.logSoftmax(this, dim);
  },
  eq(other: Tensor | number) {
    return F.eq(this, other);
  },
  ne(other: Tensor | number) {
    return F.ne(this, other);
  },
  gt(other: Tensor | number) {
    return F.gt(this, other);
  },
  ge(other: Tensor | number) {
    return F.ge(this, other);
  },
  lt(other: Tensor | number) {
    return F.lt(this, other);
  },
  le(other: Tensor | number) {
    return F.le(this, other);
  },
  float() {
    return cast(this, "float32");
  },
  int() {
    return cast(this, "int32");
  },
};

for (const [name, fn] of Object.entries(methods)) {
  Object.defineProperty(Tensor.prototype, name, { value: fn, writable: true, configurable: true });
}

// backward() lives here rather than in tensor.ts because the engine is built on Tensor.
Object.defineProperty(Tensor.prototype, "backward", {
  value: function backward(this: Tensor, gradient?: Tensor): void {
    runBackward(this, gradient);
  },
  writable: true,
  configurable: true,
});
