import type { OnvifProfile } from './onvif-client.js';

/**
 * The profile to run detection on: one with a stream URI whose long side is nearest (in ratio) to the
 * model's input size, so the decoder scales as little as possible; on a tie the larger one. Usually the
 * sub-stream (e.g. 640x360 for a 320 px model is 2x, 1920x1080 is 6x). Profiles without a known resolution
 * come last.
 */
export function chooseDetectionProfile(
  profiles: OnvifProfile[],
  inputSize: number,
  preferredToken?: string,
): OnvifProfile | undefined {
  const usable = profiles.filter((p) => p.streamUri);
  if (preferredToken) return usable.find((p) => p.token === preferredToken);
  const distance = (p: OnvifProfile) => {
    const longSide = Math.max(p.width ?? 0, p.height ?? 0);
    return longSide > 0 ? Math.abs(Math.log(longSide / inputSize)) : Number.POSITIVE_INFINITY;
  };
  return [...usable].sort((a, b) => {
    const d = distance(a) - distance(b);
    if (Math.abs(d) > 1e-9) return d;
    return Math.max(b.width ?? 0, b.height ?? 0) - Math.max(a.width ?? 0, a.height ?? 0);
  })[0];
}

/** The URL with user name and password put in (rtsp://user:pass@host/...), as ffmpeg expects them. */
export function withCredentials(url: string, username: string, password: string): string {
  if (!username || !/^(rtsp|https?):\/\//.test(url)) return url;
  const parsed = new URL(url);
  parsed.username = encodeURIComponent(username);
  parsed.password = encodeURIComponent(password);
  return parsed.toString();
}

/** The URL without any user name or password: what may leave the edge (inventory, logs). */
export function withoutCredentials(url: string): string {
  if (!/^(rtsp|https?):\/\//.test(url)) return url;
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//');
  }
}
