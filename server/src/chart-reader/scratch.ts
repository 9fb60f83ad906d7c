// Scratch arrays kept from one read to the next. A read allocated about 3 MB of typed arrays, and V8 counts
// array buffers toward its heap limits: with the decoded image's 6 MB, the reader's worker ran a full
// mark-compact on nearly every read (4-6 ms each, up to 20 ms with incremental steps). Kept per thread (the
// reader is synchronous, so one read never sees another's arrays), one buffer per name, grown as needed, and
// at most MAX_KEPT_BYTES in all: the arrays of a chart up to 4K are kept, a larger image's are not (they are
// allocated for its read alone, as before).
type Typed = Uint8Array | Uint16Array | Int32Array | Uint32Array | Float64Array;
interface TypedConstructor<T extends Typed> {
  readonly BYTES_PER_ELEMENT: number;
  new (length: number): T;
  new (buffer: ArrayBuffer, byteOffset: number, length: number): T;
}

/** A 4K chart's arrays (classes 8.3 MB, columns 2.1 MB, the colour statistics' 0.4 MB), with room to spare. */
export const MAX_KEPT_BYTES = 12 * 1024 * 1024;
const kept = new Map<string, ArrayBuffer>();
let keptBytes = 0;

/**
 * A zero-filled array of `length` elements. `name` must be unique to one array live in a read: two calls with
 * the same name return views of the same memory.
 */
export function scratch<T extends Typed>(name: string, type: TypedConstructor<T>, length: number): T {
  const bytes = length * type.BYTES_PER_ELEMENT;
  const buffer = kept.get(name);
  if (buffer && buffer.byteLength >= bytes) {
    const array = new type(buffer, 0, length);
    array.fill(0);
    return array;
  }
  const grown = keptBytes - (buffer?.byteLength ?? 0) + bytes;
  if (grown > MAX_KEPT_BYTES) return new type(length);
  const fresh = new ArrayBuffer(bytes);
  kept.set(name, fresh);
  keptBytes = grown;
  return new type(fresh, 0, length);
}

/** Bytes kept between reads on this thread (for tests). */
export const scratchBytes = () => keptBytes;
