// Event-log lines gathered in buffers outside the JS heap, ready for one writev: lines are written
// straight into the current buffer (event-line.ts), so no line is a string on the JS heap. The log
// writer fills one on the driver's thread; the encoder thread fills its own.

/** The size of each buffer lines go into (a longer line gets a buffer of its own size). */
const CHUNK_BYTES = 64 * 1024;

export class LineChunks {
  private filled: Buffer[] = [];
  private current: Buffer = Buffer.allocUnsafeSlow(CHUNK_BYTES);
  private at = 0;
  /** Bytes written since the last take(). */
  bytes = 0;

  /** The buffer to write the next line into at `position`, with at least `most` bytes free there. */
  room(most: number): Buffer {
    if (this.at + most > this.current.length) {
      if (this.at > 0) this.filled.push(this.current.subarray(0, this.at));
      this.current = Buffer.allocUnsafeSlow(Math.max(CHUNK_BYTES, most));
      this.at = 0;
    }
    return this.current;
  }

  /** Where the next line starts in room()'s buffer. */
  get position(): number {
    return this.at;
  }

  /** The line written into room()'s buffer ended at `end`. */
  wrote(end: number): void {
    this.bytes += end - this.at;
    this.at = end;
  }

  /**
   * The lines so far, as buffers in order, and a fresh start. With `ownBuffers`, each buffer returned
   * starts its own memory and no later line goes into it (so the memory may be transferred to another thread).
   */
  take(ownBuffers = false): Buffer[] {
    const chunks = this.filled;
    if (this.at > 0) chunks.push(this.current.subarray(0, this.at));
    // what is left of the current buffer is filled next, unless the caller takes the memory along
    this.current = ownBuffers ? Buffer.allocUnsafeSlow(CHUNK_BYTES) : this.current.subarray(this.at);
    this.at = 0;
    this.filled = [];
    this.bytes = 0;
    return chunks;
  }
}
