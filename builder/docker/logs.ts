// Docker multiplexes a non-TTY container's stdout and stderr into frames: 8-byte header
// (stream id, 3 zero bytes, big-endian length) then the payload. Pure, so it is unit-tested.
export function demuxLogs(buf: Buffer): string[] {
  const chunks: Buffer[] = [];
  let at = 0;
  const framed = buf.length >= 8 && buf[0]! <= 2 && buf[1] === 0 && buf[2] === 0 && buf[3] === 0;
  if (!framed) return splitLines(buf.toString('utf8'));
  while (at + 8 <= buf.length) {
    const size = buf.readUInt32BE(at + 4);
    chunks.push(buf.subarray(at + 8, at + 8 + size));
    at += 8 + size;
  }
  return splitLines(Buffer.concat(chunks).toString('utf8'));
}

function splitLines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.replace(/\r$/, ''))
    .filter((l) => l !== '');
}
