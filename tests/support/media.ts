import { execFile, spawn } from 'node:child_process';

export interface ProbedStream {
  codec: string;
  width: number;
  height: number;
}

/** `ffprobe` on an RTSP URL (TCP), first video stream. */
export function ffprobeStream(url: string): Promise<ProbedStream> {
  const args = [
    '-v',
    'error',
    '-rtsp_transport',
    'tcp',
    '-analyzeduration',
    '1000000',
    '-select_streams',
    'v:0',
    '-show_entries',
    'stream=codec_name,width,height',
    '-of',
    'json',
    url,
  ];
  return new Promise((resolve, reject) => {
    execFile('ffprobe', args, { timeout: 20_000 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`ffprobe ${url}: ${stderr || error.message}`));
      const stream = (
        JSON.parse(stdout) as { streams?: Array<{ codec_name: string; width: number; height: number }> }
      ).streams?.[0];
      if (!stream) return reject(new Error(`ffprobe ${url}: no video stream`));
      resolve({ codec: stream.codec_name, width: stream.width, height: stream.height });
    });
  });
}

/** Decodes `count` frames from an RTSP URL with ffmpeg into raw RGB; resolves with the frames. */
export function decodeFrames(
  url: string,
  count: number,
  width: number,
  height: number,
  timeoutMs = 25_000,
): Promise<Buffer[]> {
  const frameBytes = width * height * 3;
  const args = [
    '-v',
    'error',
    '-rtsp_transport',
    'tcp',
    '-timeout',
    '5000000',
    '-analyzeduration',
    '500000',
    '-i',
    url,
  ];
  args.push(
    '-frames:v',
    String(count),
    '-vf',
    `scale=${width}:${height}`,
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    'pipe:1',
  );
  return new Promise((resolve, reject) => {
    const child = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      const all = Buffer.concat(chunks);
      const frames: Buffer[] = [];
      for (let at = 0; at + frameBytes <= all.length; at += frameBytes)
        frames.push(all.subarray(at, at + frameBytes));
      if (frames.length < count)
        return reject(
          new Error(`ffmpeg ${url}: ${frames.length}/${count} frames (exit ${code}): ${stderr.slice(-400)}`),
        );
      resolve(frames);
    });
  });
}

/** True for a complete JPEG (SOI at the start, EOI at the end). */
export function isJpeg(body: Buffer): boolean {
  return (
    body.length > 4 &&
    body[0] === 0xff &&
    body[1] === 0xd8 &&
    body[body.length - 2] === 0xff &&
    body[body.length - 1] === 0xd9
  );
}
