/**
 * Dates read from text a host wrote. A time that does not exist (30 February, day 99, 25:00, an offset of
 * +99:99) is unreadable: Date.UTC would quietly move it to a real one days or months away.
 */
export function calendarDate(
  year: number,
  month: number,
  day: number,
  hour = 0,
  minute = 0,
  second = 0,
  offsetMinutes = 0,
): Date | undefined {
  const fields = [year, month, day, hour, minute, second, offsetMinutes];
  if (!fields.every(Number.isInteger)) return undefined;
  if (year < 1000 || year > 9999 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  if (hour < 0 || minute < 0 || second < 0 || Math.abs(offsetMinutes) > 24 * 60) return undefined;
  const utc = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  if (utc.getUTCDate() !== day) return undefined;
  return new Date(utc.getTime() - offsetMinutes * 60_000);
}

/** A zone offset as written after a time: "+0100", "-05:30" or "Z"; undefined when it is no real offset. */
export function offsetOf(text: string): number | undefined {
  if (text === 'Z') return 0;
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(text);
  if (!m || Number(m[2]) > 23 || Number(m[3]) > 59) return undefined;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}
