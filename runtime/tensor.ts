/**
 * The Tensor: an n-dimensional float32 (or int32, for indices) array whose elements live in the
 * kernel module's linear memory, with the fields reverse-mode autodiff needs (`requiresGrad`,
 * `grad`, and the node that produced it). Op methods (`x.add(y)`, `x.matmul(w)`, ...) and
 * `backward()` are attached in `tensor_methods.ts`, so that this file imports neither the ops (in
 * `ops/`) nor the autograd engine, which are built on it.
 */
import { backend } from "./backend/backend.ts";
import { readWord, readWords } from "./backend/memory.ts";
import { trackTensor, untrackTensor } from "./backend/scope.ts";
import type { GradNode } from "./autograd/node.ts";
import { formatShape, sizeOf } from "./shape.ts";

/** Element types: float32 for values, int32 for indices and labels. */
export type DType = "float32" | "int32";

/** Nested arrays of numbers, as `toArray()` returns and `tensor()` accepts. */
export type NestedArray = number | NestedArray[];

/** A block of linear memory shared by tensors that are views of one another (reshape, detach). */
export class Storage {
  private refs = 1;
  constructor(readonly ptr: number, readonly bytes: number) {}
  /** One more tensor shares this storage. */
  retain(): this {
    this.refs++;
    return this;
  }
  /** True when more than one tensor uses this memory (so it must not be written in place). */
  get isShared(): boolean {
    return this.refs > 1;
  }
  /** One tensor lets go; the memory is freed with the last one. */
  release(): void {
    if (--this.refs === 0) backend().allocator.free(this.ptr);
  }
}

// Tensors the program forgot to dispose free their memory when the garbage collector takes them.
const finalizer = new FinalizationRegistry<Storage>((storage) => storage.release());

let nextId = 1;

/** An n-dimensional array in WebAssembly memory that records the ops applied to it for autodiff. */
export class Tensor {
  /** Dimensions, outermost first. */
  readonly shape: readonly number[];
  /** Number of elements. */
  readonly size: number;
  /** Unique id, stable for the life of the tensor (names nodes in `toDot`). */
  readonly id = nextId++;
  /** Gradient accumulated by `backward()` for leaves (and for `retainGrad()` tensors). */
  grad: Tensor | null = null;
  /** The recorded op that produced this tensor, or null for leaves. */
  node: GradNode | null = null;
  /** Whether gradients flow to (or through) this tensor. */
  requiresGrad = false;
  /** Set by `retainGrad()`: keep `grad` although this tensor is not a leaf. */
  retainsGrad = false;
  /** A label for graph pictures and error messages (parameters get their names). */
  name: string | null = null;
  /** The op that made this tensor, kept once `dispose()` drops the node (for backward's error). */
  disposedOp: string | null = null;
  private storageRef: Storage | null;

  /** Wraps a storage of `sizeOf(shape)` elements. Prefer the creation functions (`tensor`, `zeros`, ...). */
  constructor(storage: Storage, shape: readonly number[], readonly dtype: DType = "float32") {
    this.storageRef = storage;
    this.shape = Object.freeze([...shape]);
    this.size = sizeOf(shape);
    finalizer.register(this, storage, this);
    trackTensor(this);
  }

  /** Allocates an uninitialised tensor of the given shape. */
  static empty(shape: readonly number[], dtype: DType = "float32"): Tensor {
    const bytes = sizeOf(shape) * 4;
    return new Tensor(new Storage(backend().allocator.alloc(bytes), bytes), shape, dtype);
  }

  /** Number of dimensions. */
  get ndim(): number {
    return this.shape.length;
  }

  /** Byte offset of the first element in linear memory. Throws if the tensor was disposed. */
  get ptr(): number {
    return this.storage.ptr;
  }

  /** The memory block; throws a clear error once disposed. */
  get storage(): Storage {
    if (this.storageRef === null) {
      throw new Error(
        `edgegrad: tensor #${this.id} ${formatShape(this.shape)}${
          this.name ? ` "${this.name}"` : ""
        } was disposed and cannot be used (did a scope() or noGrad() free it? return it from the ` +
          "scope, or call keep(tensor))",
      );
    }
    return this.storageRef;
  }

  /** True once `dispose()` ran. */
  get isDisposed(): boolean {
    return this.storageRef === null;
  }

  /**
   * A new tensor object sharing this one's memory, with another shape of the same size, that
   * records nothing in the graph: for kernels and the autodiff engine. Models use `view` /
   * `reshape`, which are differentiable.
   */
  alias(shape: readonly number[]): Tensor {
    return new Tensor(this.storage.retain(), shape, this.dtype);
  }

  /** Copies the elements out of WebAssembly memory. */
  data(): Float32Array | Int32Array {
    return readWords(this.ptr, this.size, this.dtype);
  }

  /** The elements as nested arrays shaped like the tensor (a number for 0-d). */
  toArray(): NestedArray {
    const flat = this.data();
    if (this.shape.length === 0) return flat[0];
    let position = 0;
    const build = (dim: number): NestedArray[] => {
      const out: NestedArray[] = [];
      for (let i = 0; i < this.shape[dim]; i++) {
        out.push(dim === this.shape.length - 1 ? flat[position++] : build(dim + 1));
      }
      return out;
    };
    return build(0);
  }

  /** The value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) {
      throw new Error(
        `item(): the tensor has ${this.size} elements (shape ${formatShape(this.shape)}); ` +
          "item() needs exactly one",
      );
    }
    return readWord(this.ptr, 0, this.dtype);
  }

  /** Keeps `.grad` on this non-leaf tensor during `backward()` (for inspecting activations). */
  retainGrad(): this {
    this.retainsGrad = true;
    return this;
  }

  /** A tensor sharing this one's memory but cut off from the graph (no gradient flows through). */
  detach(): Tensor {
    return this.alias(this.shape);
  }

  /** Marks the tensor as a leaf that collects gradients (returns this). */
  setRequiresGrad(requiresGrad = true): this {
    if (requiresGrad && this.dtype !== "float32") {
      throw new Error(
        `setRequiresGrad: only float32 tensors can require gradients, got ${this.dtype}`,
      );
    }
    this.requiresGrad = requiresGrad;
    return this;
  }

  /** Frees the memory now (and the gradient's). Further use throws. Safe to call twice. */
  dispose(): void {
    if (this.storageRef === null) return;
    finalizer.unregister(this);
    untrackTensor(this);
    this.storageRef.release();
    this.storageRef = null;
    if (this.node !== null) this.disposedOp = this.node.op;
    this.node = null;
    if (this.grad !== null) {
      this.grad.dispose();
      this.grad = null;
    }
  }

  /** `using t = ...` disposes the tensor at the end of the block. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  /** A short description: shape, dtype and the first elements. */
  toString(): string {
    if (this.isDisposed) return `Tensor(disposed ${formatShape(this.shape)})`;
    const values = Array.from(this.data().subarray(0, 8), (v) => Number(v.toPrecision(5)));
    const more = this.size > 8 ? ", ..." : "";
    return `Tensor(${formatShape(this.shape)}, ${this.dtype}, [${values.join(", ")}${more}])`;
  }
}
