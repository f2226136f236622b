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

  /**
   * Returns the byte offset of a fresh block of at least `bytes` bytes. When linear memory cannot
   * grow enough, throws a RangeError and leaves the allocator exactly as it was, so later requests
   * that fit still succeed.
   */
  alloc(bytes: number): number {
    if (!Number.isFinite(bytes) || bytes < 0) {
      throw new RangeError(`edgegrad allocator: cannot allocate ${bytes} bytes`);
    }
    if (bytes > MAX_MEMORY_BYTES) {
      throw this.outOfMemory(bytes, "the 4 GiB limit of WebAssembly memory");
    }
    const size = sizeClass(bytes);
    const list = this.freeLists.get(size);
    let ptr: number;
    if (list !== undefined && list.length > 0) {
      ptr = list.pop()!;
    } else {
      ptr = this.top;
      const newTop = this.top + size;
      const missing = newTop - this.memory.buffer.byteLength;
      if (missing > 0) this.grow(missing, bytes);
      this.top = newTop;
    }
    this.blockSizes.set(ptr, size);
    this.liveBytes += size;
    this.liveBlocks++;
    if (this.liveBytes > this.peakBytes) this.peakBytes = this.liveBytes;
    return ptr;
  }

  /** The size-class bytes of a live block (at least what was asked for). */
  blockSize(ptr: number): number {
    const size = this.blockSizes.get(ptr);
    if (size === undefined) throw new Error(`edgegrad allocator: unknown block ${ptr}`);
    return size;
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

  /** Grows linear memory by at least `missingBytes`; throws (memory unchanged) when it cannot. */
  private grow(missingBytes: number, requested: number): void {
    // Ask for a quarter of the current size at least, so that growth happens O(log n) times; near
    // the limit, fall back to exactly what is missing.
    const current = this.memory.buffer.byteLength;
    const neededPages = Math.ceil(missingBytes / PAGE_BYTES);
    const generousPages = Math.max(neededPages, Math.ceil((current >>> 2) / PAGE_BYTES));
    for (
      const pages of generousPages > neededPages ? [generousPages, neededPages] : [neededPages]
    ) {
      if (current + pages * PAGE_BYTES > MAX_MEMORY_BYTES) continue;
      try {
        this.memory.grow(pages);
        return;
      } catch {
        // The host refused this many pages (its own limit); try the smaller request, if any.
      }
    }
    throw this.outOfMemory(requested, `${current} bytes of linear memory that could not grow`);
  }

  private outOfMemory(requested: number, limit: string): RangeError {
    return new RangeError(
      `edgegrad: out of WebAssembly memory: a block of ${requested} bytes does not fit in ${limit} ` +
        `(${this.liveBytes} bytes live in ${this.liveBlocks} tensors); dispose tensors you no ` +
        "longer need, run steps inside scope()/noGrad() so intermediates are freed, or use smaller " +
        "batches",
    );
  }
}

/** WebAssembly pages are 64 KiB. */
const PAGE_BYTES = 65536;
/** wasm32 linear memory holds at most 65536 pages (4 GiB). */
const MAX_MEMORY_BYTES = 65536 * PAGE_BYTES;

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
