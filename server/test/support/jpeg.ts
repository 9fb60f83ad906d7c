// JPEG bytes for the tests of how an image's size is read.

/**
 * `jpeg` with a 256-byte comment segment after its start marker, holding a frame header of `width` x `height`,
 * and one stray byte after the segment: a walker that, missing the next marker, shifts a byte and reads a length
 * from inside the comment lands on the fake header (image-size's does); a JPEG decoder skips the comment and finds
 * the real frame.
 */
export function withFakeFrameHeader(jpeg: Buffer, width: number, height: number): Buffer {
  const comment = Buffer.alloc(2 + 2 + 254);
  comment.writeUInt16BE(0xfffe, 0);
  comment.writeUInt16BE(256, 2);
  // Shifted one byte, the walker reads the length 0x00 <first payload byte>: 10 puts it on payload byte 9.
  comment[4] = 10;
  Buffer.from([0xff, 0xc0, 0x00, 0x11, 0x08]).copy(comment, 4 + 9);
  comment.writeUInt16BE(height, 4 + 9 + 5);
  comment.writeUInt16BE(width, 4 + 9 + 7);
  return Buffer.concat([jpeg.subarray(0, 2), comment, Buffer.from([0x00]), jpeg.subarray(2)]);
}
