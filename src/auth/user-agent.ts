/** What a security event says about the client device, parsed from its User-Agent. */
export interface DeviceInfo {
  /** `Edge`, `Opera`, `Chrome`, `Firefox`, `Safari`, `curl`, … or `unknown`. */
  readonly browser: string;
  /** `Windows`, `macOS`, `iOS`, `Android`, `Linux`, `ChromeOS` or `unknown`. */
  readonly os: string;
  readonly type: 'desktop' | 'mobile' | 'tablet' | 'bot' | 'unknown';
}

const BROWSERS: readonly (readonly [RegExp, string])[] = [
  [/\bEdg(e|A|iOS)?\//, 'Edge'],
  [/\bOPR\/|\bOpera\b/, 'Opera'],
  [/\bSamsungBrowser\//, 'Samsung Internet'],
  [/\bFirefox\/|\bFxiOS\//, 'Firefox'],
  [/\bChrome\/|\bCriOS\/|\bChromium\//, 'Chrome'],
  [/\bVersion\/[\d.]+.*\bSafari\//, 'Safari'],
  [/^curl\//, 'curl'],
  [/^Wget\//, 'Wget'],
  [/\bPostmanRuntime\//, 'Postman'],
  [/^python-requests\//, 'python-requests'],
  [/^node-fetch|^undici|^axios\//, 'Node.js client'],
];

const SYSTEMS: readonly (readonly [RegExp, string])[] = [
  [/\bWindows\b/, 'Windows'],
  [/\b(iPhone|iPad|iPod)\b/, 'iOS'],
  [/\bAndroid\b/, 'Android'],
  [/\bCrOS\b/, 'ChromeOS'],
  [/\bMac OS X\b|\bMacintosh\b/, 'macOS'],
  [/\bLinux\b/, 'Linux'],
];

const BOT = /bot\b|crawler|spider|slurp|^curl\/|^Wget\/|^python-requests|HeadlessChrome/i;

function firstMatch(text: string, table: readonly (readonly [RegExp, string])[]): string {
  for (const [pattern, name] of table) if (pattern.test(text)) return name;
  return 'unknown';
}

/**
 * A small User-Agent parser: browser family, OS family and device type, enough for
 * security events ("new login from Firefox on Android"). Input longer than 512 characters
 * is cut before matching.
 */
export function parseUserAgent(userAgent: string | undefined): DeviceInfo {
  if (userAgent === undefined || userAgent === '')
    return { browser: 'unknown', os: 'unknown', type: 'unknown' };
  const text = userAgent.slice(0, 512);
  const browser = firstMatch(text, BROWSERS);
  const os = firstMatch(text, SYSTEMS);
  return { browser, os, type: deviceType(text, os) };
}

function deviceType(text: string, os: string): DeviceInfo['type'] {
  if (BOT.test(text)) return 'bot';
  if (/\biPad\b|\bTablet\b/.test(text) || (os === 'Android' && !/\bMobile\b/.test(text)))
    return 'tablet';
  if (/\bMobi|\biPhone\b|\biPod\b/.test(text)) return 'mobile';
  if (os === 'unknown') return 'unknown';
  return 'desktop';
}
