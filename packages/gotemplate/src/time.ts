// A small model of Go's time.Time, time.Location and time.Duration: enough for Sprig's date
// functions and for printing times the way Go does. Layouts use Go's reference time
// "Mon Jan 2 15:04:05 MST 2006".

export interface ZoneAt {
  offset: number; // seconds east of UTC
  abbr: string;
}

// Locales whose short zone names match tzdata abbreviations for their regions.
const ABBR_LOCALES = ['en-US', 'en-GB', 'en-AU', 'en-NZ', 'en-IN', 'ja-JP', 'en-ZA'];
// tzdata abbreviations Intl does not give in any English locale: [standard, daylight].
const ABBR_OVERRIDES: Record<string, [string, string]> = {
  'Asia/Seoul': ['KST', 'KDT'],
  'Europe/Moscow': ['MSK', 'MSD'],
  'Asia/Shanghai': ['CST', 'CDT'],
  'Asia/Hong_Kong': ['HKT', 'HKST'],
  'Asia/Jerusalem': ['IST', 'IDT'],
  'Asia/Manila': ['PST', 'PDT'],
  'Asia/Karachi': ['PKT', 'PKST'],
  'Asia/Jakarta': ['WIB', 'WIB'],
};

export class Location {
  private readonly fmt: Intl.DateTimeFormat | undefined;
  private readonly abbrFmts: Intl.DateTimeFormat[] = [];
  private readonly tz: string | undefined;
  constructor(
    readonly name: string,
    private readonly fixed?: ZoneAt,
    ianaName?: string,
  ) {
    if (!fixed) {
      const tz = ianaName;
      this.fmt = new Intl.DateTimeFormat('en-US', {
        timeZone: tz,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
      this.abbrFmts = ABBR_LOCALES.map((l) => new Intl.DateTimeFormat(l, { timeZone: tz, timeZoneName: 'short' }));
      this.tz = tz;
    }
  }

  private abbreviation(ms: number, offset: number): string {
    const override = this.tz ? ABBR_OVERRIDES[this.tz] : undefined;
    if (override) {
      const jan = this.offsetAt(Date.UTC(new Date(ms).getUTCFullYear(), 0, 1));
      const jul = this.offsetAt(Date.UTC(new Date(ms).getUTCFullYear(), 6, 1));
      return offset > Math.min(jan, jul) ? override[1] : override[0];
    }
    for (const f of this.abbrFmts) {
      const name = f.formatToParts(ms).find((p) => p.type === 'timeZoneName')?.value ?? '';
      if (name === 'GMT' && offset === 0) return 'GMT';
      if (/^[A-Z]{2,5}$/.test(name) && name !== 'GST') return name;
    }
    return offset === 0 && this.tz && /^(UTC|Etc\/UTC|Etc\/Universal|Universal|Zulu)$/.test(this.tz) ? 'UTC' : numericAbbr(offset);
  }

  private offsetAt(ms: number): number {
    const parts = this.fmt!.formatToParts(ms);
    const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
    const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
    return Math.round((wall - Math.floor(ms / 1000) * 1000) / 1000);
  }

  at(sec: number): ZoneAt {
    if (this.fixed) return this.fixed;
    const ms = sec * 1000;
    const offset = this.offsetAt(ms);
    let abbr: string | undefined;
    const self = this;
    return {
      offset,
      get abbr() {
        return (abbr ??= self.abbreviation(ms, offset));
      },
    };
  }
}

function numericAbbr(offset: number): string {
  const sign = offset < 0 ? '-' : '+';
  const a = Math.abs(offset);
  const h = Math.floor(a / 3600);
  const m = Math.floor((a % 3600) / 60);
  return sign + pad(h, 2) + (m ? pad(m, 2) : '');
}

export const UTC = new Location('UTC', { offset: 0, abbr: 'UTC' });
let localLoc: Location | undefined;
export function localLocation(): Location {
  if (!localLoc) {
    const tz = process.env.TZ || Intl.DateTimeFormat().resolvedOptions().timeZone;
    localLoc = !tz || tz === 'UTC' || tz === 'Etc/UTC' ? new Location('Local', { offset: 0, abbr: 'UTC' }) : new Location('Local', undefined, tz);
  }
  return localLoc;
}

const locCache = new Map<string, Location>();
/** Go's time.LoadLocation: "", "UTC", "Local" or an IANA name. Throws for unknown names. */
export function loadLocation(name: string): Location {
  if (name === '' || name === 'UTC') return UTC;
  if (name === 'Local') return localLocation();
  let l = locCache.get(name);
  if (!l) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: name });
    } catch {
      throw new Error(`unknown time zone ${name}`);
    }
    l = new Location(name, undefined, name);
    locCache.set(name, l);
  }
  return l;
}

export function fixedZone(name: string, offset: number): Location {
  return new Location(name, { offset, abbr: name });
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

function pad(n: number, w: number): string {
  let s = String(n);
  while (s.length < w) s = '0' + s;
  return s;
}

export class GoTime {
  /** sec: Unix seconds (integer); nsec: 0..999999999. */
  constructor(
    readonly sec: number,
    readonly nsec: number,
    readonly loc: Location,
  ) {}

  static fromDate(d: Date, loc: Location = localLocation()): GoTime {
    const ms = d.getTime();
    const sec = Math.floor(ms / 1000);
    return new GoTime(sec, (ms - sec * 1000) * 1e6, loc);
  }

  static now(): GoTime {
    const ms = Date.now();
    const sec = Math.floor(ms / 1000);
    const hr = process.hrtime.bigint() % 1000000n;
    return new GoTime(sec, (ms - sec * 1000) * 1e6 + Number(hr), localLocation());
  }

  static unix(sec: number, nsec = 0): GoTime {
    return new GoTime(sec, nsec, localLocation());
  }

  isZero(): boolean {
    return this.sec === ZERO_SEC && this.nsec === 0;
  }

  in(loc: Location): GoTime {
    return new GoTime(this.sec, this.nsec, loc);
  }

  unixSeconds(): number {
    return this.sec;
  }

  toDate(): Date {
    return new Date(this.sec * 1000 + Math.floor(this.nsec / 1e6));
  }

  /** Adds a duration in nanoseconds. */
  add(ns: number): GoTime {
    let total = this.nsec + (ns % 1e9);
    let sec = this.sec + Math.trunc(ns / 1e9);
    if (total >= 1e9) {
      sec += 1;
      total -= 1e9;
    } else if (total < 0) {
      sec -= 1;
      total += 1e9;
    }
    return new GoTime(sec, total, this.loc);
  }

  /** this - other in nanoseconds. */
  sub(other: GoTime): number {
    return (this.sec - other.sec) * 1e9 + (this.nsec - other.nsec);
  }

  equalExact(o: GoTime): boolean {
    return this.sec === o.sec && this.nsec === o.nsec && this.loc.name === o.loc.name;
  }

  /** Broken-down wall clock in this time's location. */
  fields() {
    const z = this.loc.at(this.sec);
    const d = new Date((this.sec + z.offset) * 1000);
    const y = d.getUTCFullYear();
    const start = Date.UTC(y, 0, 1);
    return {
      get abbr() {
        return z.abbr;
      },
      year: y,
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      hour: d.getUTCHours(),
      min: d.getUTCMinutes(),
      sec: d.getUTCSeconds(),
      weekday: d.getUTCDay(),
      yday: Math.floor((d.getTime() - start) / 86400000) + 1,
      nsec: this.nsec,
      offset: z.offset,
    };
  }

  format(layout: string): string {
    return formatTime(this, layout);
  }

  // Go method names, callable from templates: {{ .CreatedAt.Format "2006-01-02" }}
  Format(layout: string): string {
    return formatTime(this, layout);
  }
  Unix(): number {
    return this.sec;
  }
  UTC(): GoTime {
    return this.in(UTC);
  }
  Local(): GoTime {
    return this.in(localLocation());
  }
  IsZero(): boolean {
    return this.isZero();
  }
  Year(): number {
    return this.fields().year;
  }
  Day(): number {
    return this.fields().day;
  }
  Hour(): number {
    return this.fields().hour;
  }
  Minute(): number {
    return this.fields().min;
  }
  Second(): number {
    return this.fields().sec;
  }
  String(): string {
    return this.toString();
  }

  /** Go's Time.String(). */
  toString(): string {
    return formatTime(this, '2006-01-02 15:04:05.999999999 -0700 MST');
  }
}

// Go's zero time (January 1, year 1, 00:00:00 UTC) in Unix seconds.
const ZERO_SEC = -62135596800;
export function zeroTime(): GoTime {
  return new GoTime(ZERO_SEC, 0, UTC);
}

// ---- layouts ---------------------------------------------------------------------------

type Chunk =
  | { t: 'lit'; s: string }
  | { t: 'std'; s: string; frac?: { digits: number; nines: boolean; sep: string } };

const layoutCache = new Map<string, Chunk[]>();

function splitLayout(layout: string): Chunk[] {
  const cached = layoutCache.get(layout);
  if (cached) return cached;
  const out: Chunk[] = [];
  let lit = '';
  const push = (c: Chunk) => {
    if (lit) out.push({ t: 'lit', s: lit });
    lit = '';
    out.push(c);
  };
  let i = 0;
  const starts = (s: string) => layout.startsWith(s, i);
  while (i < layout.length) {
    const c = layout[i];
    let tok: string | undefined;
    switch (c) {
      case 'J':
        if (starts('January')) tok = 'January';
        else if (starts('Jan')) tok = 'Jan';
        break;
      case 'M':
        if (starts('Monday')) tok = 'Monday';
        else if (starts('Mon')) tok = 'Mon';
        else if (starts('MST')) tok = 'MST';
        break;
      case '0':
        if (layout[i + 1] && '123456'.includes(layout[i + 1])) tok = '0' + layout[i + 1];
        if (starts('002')) tok = '002';
        break;
      case '1':
        if (starts('15')) tok = '15';
        else tok = '1';
        break;
      case '2':
        if (starts('2006')) tok = '2006';
        else tok = '2';
        break;
      case '_':
        if (starts('_2')) {
          if (starts('_2006')) {
            lit += '_';
            i++;
            continue;
          }
          tok = starts('__2') ? '__2' : '_2';
        }
        if (starts('__2')) tok = '__2';
        break;
      case '3':
      case '4':
      case '5':
        tok = c;
        break;
      case 'P':
        if (starts('PM')) tok = 'PM';
        break;
      case 'p':
        if (starts('pm')) tok = 'pm';
        break;
      case '-':
        for (const z of ['-07:00:00', '-070000', '-07:00', '-0700', '-07']) if (starts(z)) { tok = z; break; }
        break;
      case 'Z':
        for (const z of ['Z07:00:00', 'Z070000', 'Z07:00', 'Z0700', 'Z07']) if (starts(z)) { tok = z; break; }
        break;
      case '.':
      case ',':
        if (layout[i + 1] === '0' || layout[i + 1] === '9') {
          const ch = layout[i + 1];
          let j = i + 1;
          while (j < layout.length && layout[j] === ch) j++;
          if (!(j < layout.length && /[0-9]/.test(layout[j]))) {
            push({ t: 'std', s: 'frac', frac: { digits: j - i - 1, nines: ch === '9', sep: c } });
            i = j;
            continue;
          }
        }
        break;
    }
    if (tok) {
      push({ t: 'std', s: tok });
      i += tok.length;
    } else {
      lit += c;
      i++;
    }
  }
  if (lit) out.push({ t: 'lit', s: lit });
  layoutCache.set(layout, out);
  return out;
}

export function formatTime(t: GoTime, layout: string): string {
  const f = t.fields();
  let s = '';
  for (const c of splitLayout(layout)) {
    if (c.t === 'lit') {
      s += c.s;
      continue;
    }
    switch (c.s) {
      case 'January': s += MONTHS[f.month - 1]; break;
      case 'Jan': s += MONTHS[f.month - 1].slice(0, 3); break;
      case 'Monday': s += DAYS[f.weekday]; break;
      case 'Mon': s += DAYS[f.weekday].slice(0, 3); break;
      case 'MST': s += f.abbr; break;
      case '01': s += pad(f.month, 2); break;
      case '1': s += f.month; break;
      case '02': s += pad(f.day, 2); break;
      case '_2': s += f.day < 10 ? ' ' + f.day : String(f.day); break;
      case '2': s += f.day; break;
      case '002': s += pad(f.yday, 3); break;
      case '__2': s += String(f.yday).padStart(3, ' '); break;
      case '2006': s += f.year < 0 ? '-' + pad(-f.year, 4) : pad(f.year, 4); break;
      case '06': s += pad(f.year % 100, 2); break;
      case '15': s += pad(f.hour, 2); break;
      case '3': s += f.hour % 12 === 0 ? 12 : f.hour % 12; break;
      case '03': s += pad(f.hour % 12 === 0 ? 12 : f.hour % 12, 2); break;
      case '4': s += f.min; break;
      case '04': s += pad(f.min, 2); break;
      case '5': s += f.sec; break;
      case '05': s += pad(f.sec, 2); break;
      case 'PM': s += f.hour >= 12 ? 'PM' : 'AM'; break;
      case 'pm': s += f.hour >= 12 ? 'pm' : 'am'; break;
      case 'frac': {
        const fr = c.frac!;
        let digits = pad(f.nsec, 9).slice(0, fr.digits);
        if (fr.nines) {
          digits = digits.replace(/0+$/, '');
          if (digits) s += fr.sep + digits;
        } else s += fr.sep + digits;
        break;
      }
      default: {
        // zones
        const z = c.s;
        if (z.startsWith('Z') && f.offset === 0) {
          s += 'Z';
          break;
        }
        const off = f.offset;
        const sign = off < 0 ? '-' : '+';
        const a = Math.abs(off);
        const hh = pad(Math.floor(a / 3600), 2);
        const mm = pad(Math.floor((a % 3600) / 60), 2);
        const ss = pad(a % 60, 2);
        const body = z.replace(/^Z/, '-');
        if (body === '-07') s += sign + hh;
        else if (body === '-0700') s += sign + hh + mm;
        else if (body === '-07:00') s += sign + hh + ':' + mm;
        else if (body === '-070000') s += sign + hh + mm + ss;
        else s += sign + hh + ':' + mm + ':' + ss;
      }
    }
  }
  return s;
}

export class TimeParseError extends Error {}

/** Go's time.ParseInLocation for the common layout elements. */
export function parseTime(layout: string, value: string, loc: Location): GoTime {
  const orig = value;
  let year = 1, month = 1, day = 1, hour = 0, min = 0, sec = 0, nsec = 0;
  let pm: boolean | undefined;
  let offset: number | undefined;
  let zoneName: string | undefined;
  const fail = (elem: string): never => {
    throw new TimeParseError(`parsing time ${JSON.stringify(orig)} as ${JSON.stringify(layout)}: cannot parse ${JSON.stringify(value)} as ${JSON.stringify(elem)}`);
  };
  const num = (min: number, max: number, elem: string): number => {
    const m = new RegExp(`^[0-9]{${min},${max}}`).exec(value);
    if (!m) fail(elem);
    value = value.slice(m![0].length);
    return Number(m![0]);
  };
  const chunks = splitLayout(layout);
  for (let ci = 0; ci < chunks.length; ci++) {
    const c = chunks[ci];
    if (c.t === 'lit') {
      if (!value.startsWith(c.s)) fail(c.s);
      value = value.slice(c.s.length);
      continue;
    }
    switch (c.s) {
      case 'January':
      case 'Jan': {
        const names = c.s === 'January' ? MONTHS : MONTHS.map((m) => m.slice(0, 3));
        const i = names.findIndex((m) => value.toLowerCase().startsWith(m.toLowerCase()));
        if (i < 0) fail(c.s);
        month = i + 1;
        value = value.slice(names[i].length);
        break;
      }
      case 'Monday':
      case 'Mon': {
        const names = c.s === 'Monday' ? DAYS : DAYS.map((m) => m.slice(0, 3));
        const i = names.findIndex((m) => value.toLowerCase().startsWith(m.toLowerCase()));
        if (i < 0) fail(c.s);
        value = value.slice(names[i].length);
        break;
      }
      case '01': month = num(2, 2, c.s); break;
      case '1': month = num(1, 2, c.s); break;
      case '02': day = num(2, 2, c.s); break;
      case '_2': if (value[0] === ' ') value = value.slice(1); day = num(1, 2, c.s); break;
      case '2': day = num(1, 2, c.s); break;
      case '002': num(3, 3, c.s); break;
      case '__2': value = value.replace(/^ +/, ''); num(1, 3, c.s); break;
      case '2006': year = num(4, 4, c.s); break;
      case '06': { const y = num(2, 2, c.s); year = y >= 69 ? 1900 + y : 2000 + y; break; }
      case '15': hour = num(1, 2, c.s); break;
      case '3': case '03': hour = num(c.s === '3' ? 1 : 2, 2, c.s); break;
      case '4': min = num(1, 2, c.s); break;
      case '04': min = num(2, 2, c.s); break;
      case '5': sec = num(1, 2, c.s); break;
      case '05': sec = num(2, 2, c.s); break;
      case 'PM': case 'pm': {
        const p = value.slice(0, 2).toUpperCase();
        if (p !== 'AM' && p !== 'PM') fail(c.s);
        pm = p === 'PM';
        value = value.slice(2);
        break;
      }
      case 'frac': {
        const m = /^[.,]([0-9]+)/.exec(value);
        if (!m) {
          if (c.frac!.nines) break;
          fail('.' + '0'.repeat(c.frac!.digits));
        }
        nsec = Number((m![1] + '000000000').slice(0, 9));
        value = value.slice(m![0].length);
        break;
      }
      case 'MST': {
        const m = /^([A-Z]{3,5}|[+-][0-9]{2,4})/.exec(value);
        if (!m) fail(c.s);
        zoneName = m![1];
        value = value.slice(m![0].length);
        break;
      }
      default: {
        if (c.s.startsWith('Z') && value[0] === 'Z') {
          value = value.slice(1);
          offset = 0;
          break;
        }
        const re = /^([+-])([0-9]{2})(?::?([0-9]{2}))?(?::?([0-9]{2}))?/;
        const m = re.exec(value);
        if (!m) fail(c.s);
        offset = (m![1] === '-' ? -1 : 1) * (Number(m![2]) * 3600 + Number(m![3] ?? 0) * 60 + Number(m![4] ?? 0));
        value = value.slice(m![0].length);
      }
    }
    // fractional seconds directly after seconds even when the layout lacks them
    if ((c.s === '05' || c.s === '5') && /^[.,][0-9]/.test(value) && !(chunks[ci + 1]?.t === 'std' && chunks[ci + 1].s === 'frac')) {
      const m = /^[.,]([0-9]+)/.exec(value)!;
      nsec = Number((m[1] + '000000000').slice(0, 9));
      value = value.slice(m[0].length);
    }
  }
  if (value.length) throw new TimeParseError(`parsing time ${JSON.stringify(orig)}: extra text: ${JSON.stringify(value)}`);
  if (pm !== undefined) {
    if (hour > 12) throw new TimeParseError(`parsing time ${JSON.stringify(orig)}: hour out of range`);
    if (pm && hour < 12) hour += 12;
    else if (!pm && hour === 12) hour = 0;
  }
  if (month < 1 || month > 12) throw new TimeParseError(`parsing time ${JSON.stringify(orig)}: month out of range`);
  if (day < 1 || day > 31 || hour > 23 || min > 59 || sec > 59) throw new TimeParseError(`parsing time ${JSON.stringify(orig)}: day out of range`);
  const wall = Date.UTC(year, month - 1, day, hour, min, sec) / 1000;
  const wallFixed = year < 100 ? (() => { const d = new Date(0); d.setUTCFullYear(year, month - 1, day); d.setUTCHours(hour, min, sec, 0); return d.getTime() / 1000; })() : wall;
  if (offset !== undefined) {
    const l = offset === 0 && (loc === UTC) ? UTC : fixedZoneFor(loc, wallFixed - offset, offset);
    return new GoTime(wallFixed - offset, nsec, l);
  }
  if (zoneName === 'UTC') return new GoTime(wallFixed, nsec, UTC);
  // wall time in loc: find the offset (two passes handle DST edges)
  let off = loc.at(wallFixed).offset;
  off = loc.at(wallFixed - off).offset;
  return new GoTime(wallFixed - off, nsec, loc);
}

function fixedZoneFor(loc: Location, sec: number, offset: number): Location {
  const z = loc.at(sec);
  if (z.offset === offset) return loc;
  return fixedZone('', offset);
}

// ---- durations -------------------------------------------------------------------------

/** Go's Duration.String() for a duration in nanoseconds. */
export function formatDuration(ns: number | bigint): string {
  let d = BigInt(ns);
  if (d === 0n) return '0s';
  const neg = d < 0n;
  if (neg) d = -d;
  let out: string;
  if (d < 1000000000n) {
    let unit: string;
    let div: bigint;
    if (d < 1000n) return (neg ? '-' : '') + d + 'ns';
    if (d < 1000000n) {
      unit = 'µs';
      div = 1000n;
    } else {
      unit = 'ms';
      div = 1000000n;
    }
    out = fracStr(d, div) + unit;
  } else {
    const h = d / 3600000000000n;
    const rem = d % 3600000000000n;
    const m = rem / 60000000000n;
    const s = rem % 60000000000n;
    out = '';
    if (h > 0n) out += h + 'h';
    if (h > 0n || m > 0n) out += m + 'm';
    out += fracStr(s, 1000000000n) + 's';
  }
  return (neg ? '-' : '') + out;
}

function fracStr(v: bigint, div: bigint): string {
  const ip = v / div;
  let fp = (v % div).toString().padStart(div.toString().length - 1, '0').replace(/0+$/, '');
  return fp ? `${ip}.${fp}` : String(ip);
}

const UNITS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go's time.ParseDuration; returns nanoseconds. */
export function parseDuration(s: string): number {
  const orig = s;
  const bad = () => new Error(`time: invalid duration ${JSON.stringify(orig)}`);
  let neg = false;
  if (s[0] === '-' || s[0] === '+') {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw bad();
  let total = 0;
  while (s) {
    const m = /^([0-9]*)(\.[0-9]*)?/.exec(s)!;
    if (!m[0] || m[0] === '.') throw bad();
    if (m[1] === '' && (m[2] === undefined || m[2] === '.')) throw bad();
    s = s.slice(m[0].length);
    const u = /^[^0-9.]+/.exec(s);
    if (!u) throw new Error(`time: missing unit in duration ${JSON.stringify(orig)}`);
    const mult = Object.hasOwn(UNITS, u[0]) ? UNITS[u[0]] : undefined;
    if (mult === undefined) throw new Error(`time: unknown unit ${JSON.stringify(u[0])} in duration ${JSON.stringify(orig)}`);
    s = s.slice(u[0].length);
    total += Number(m[1] || '0') * mult + (m[2] && m[2].length > 1 ? Math.round(Number('0' + m[2]) * mult) : 0);
  }
  return neg ? -total : total;
}
