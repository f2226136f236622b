/**
 * The allocator of tensor memory inside the kernel module's linear memory.
 *
 * Blocks are 64-byte aligned and rounded up to a size class (multiples of 64 bytes up to 4 KiB,
 * then eight classes per power of two, so at most 12.5% is wasted). A freed block goes on its
 * class's free list and is handed out again for the next request of that class: a training loop,
 * which asks for the same sizes every step, stops growing memory after its first step.
 * WebAssembly memory never shrinks; `liveBytes` is what is in use now.
 */
export class Allocator {
  private top: number;
  private readonly freeLists = new Map<number, number[]>();
  private readonly blockSizes = new Map<number, number>();
  /** Bytes in blocks handed out and not yet freed (size-class bytes). */
  liveBytes = 0;
  /** Number of blocks handed out and not yet freed. */
  liveBlocks = 0;
  /** Largest liveBytes seen. */
  peakBytes = 0;

  constructor(private readonly memory: WebAssembly.Memory, heapBase: number) {
    this.top = roundUp(heapBase, 64);
  }

  /** Bytes of linear memory reserved by the module so far (it only grows). */
  get memoryBytes(): number {
    return this.memory.buffer.byteLength;
  }

  /** Bytes ever carved out of linear memory (free blocks included). */
  get reservedBytes(): number {
    return this.top;
  }

  /** Returns the byte offset of a fresh block of at least `bytes` bytes. */
  alloc(bytes: number): number {
    const size = sizeClass(bytes);
    const list = this.freeLists.get(size);
    let ptr: number;
    if (list !== undefined && list.length > 0) {
      ptr = list.pop()!;
    } else {
      ptr = this.top;
      this.top += size;
      const missing = this.top - this.memory.buffer.byteLength;
      if (missing > 0) this.grow(missing);
    }
    this.blockSizes.set(ptr, size);
    this.liveBytes += size;
    this.liveBlocks++;
    if (this.liveBytes > this.peakBytes) this.peakBytes = this.liveBytes;
    return ptr;
  }

  /** Returns a block to its free list. Freeing a pointer twice is an error. */
  free(ptr: number): void {
    const size = this.blockSizes.get(ptr);
    if (size === undefined) throw new Error(`edgegrad allocator: free of unknown block ${ptr}`);
    this.blockSizes.delete(ptr);
    let list = this.freeLists.get(size);
    if (list === undefined) this.freeLists.set(size, list = []);
    list.push(ptr);
    this.liveBytes -= size;
    this.liveBlocks--;
  }

  private grow(missingBytes: number): void {
    // Grow by at least a quarter of the current size so that growth happens O(log n) times.
    const current = this.memory.buffer.byteLength;
    const bytes = Math.max(missingBytes, current >>> 2);
    const pages = Math.ceil(bytes / 65536);
    try {
      this.memory.grow(pages);
    } catch {
      throw new RangeError(
        `edgegrad: out of WebAssembly memory growing ${current} bytes by ${pages * 65536} ` +
          `(${this.liveBytes} bytes live in ${this.liveBlocks} tensors); dispose tensors you no ` +
          "longer need, or run steps inside scope()/noGrad() so intermediates are freed",
      );
    }
  }
}

/** The size class of a request: 64-byte steps up to 4 KiB, then 8 steps per power of two. */
export function sizeClass(bytes: number): number {
  const n = Math.max(64, bytes);
  if (n <= 4096) return roundUp(n, 64);
  const step = 2 ** (Math.floor(Math.log2(n)) - 3);
  return roundUp(n, step);
}

function roundUp(n: number, multiple: number): number {
  return Math.ceil(n / multiple) * multiple;
}
