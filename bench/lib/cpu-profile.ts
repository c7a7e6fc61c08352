// Summarises a V8 .cpuprofile (from `node --cpu-prof`): where the samples fall, by function and by
// "category" (an npm package, a Tessera source file, a Node internal module, or V8's own buckets),
// both as self time and as time with the category anywhere on the stack.
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileSummary {
  /** Total sampled time, milliseconds. */
  totalMs: number;
  /** Sampled time excluding (idle). */
  busyMs: number;
  selfByFunction: Array<[string, number]>;
  selfByCategory: Array<[string, number]>;
  /** Time with the category anywhere on the stack (each sample counted once per category). */
  inclusiveByCategory: Array<[string, number]>;
  /** Same, for functions defined in Tessera's own sources (src/). */
  inclusiveBySrcFunction: Array<[string, number]>;
}

/** The bucket a frame belongs to: `pkg:<name>`, `src/<path>`, `node:<module>`, `(native)` or V8's own. */
export function categoryOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  const nm = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (nm) return `pkg:${nm[1]}`;
  const src = /\/(src\/.+?)(?:\?.*)?$/.exec(url);
  if (src) return src[1]!;
  if (url.startsWith('node:')) return url.replace(/^node:(internal\/)?/, 'node:').split('/').slice(0, 2).join('/');
  return url.replace(/^file:\/\//, '');
}

const frameKey = (f: CallFrame) => {
  const cat = categoryOf(f);
  return `${f.functionName || '(anonymous)'} [${cat}${f.url ? `:${f.lineNumber + 1}` : ''}]`;
};

const sorted = (m: Map<string, number>, n: number): Array<[string, number]> => [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, n);

export function summariseCpuProfile(file: string, top = 20): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of profile.nodes) byId.set(n.id, n);
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const selfFn = new Map<string, number>();
  const selfCat = new Map<string, number>();
  const inclCat = new Map<string, number>();
  const inclSrcFn = new Map<string, number>();
  const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
  let total = 0;
  let idle = 0;

  for (let i = 0; i < profile.samples.length; i++) {
    // timeDeltas[i + 1] is the time until the next sample: the time this sample stands for.
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    const leaf = byId.get(profile.samples[i]!);
    if (!leaf) continue;
    total += ms;
    if (leaf.callFrame.functionName === '(idle)') {
      idle += ms;
      continue;
    }
    add(selfFn, frameKey(leaf.callFrame), ms);
    add(selfCat, categoryOf(leaf.callFrame), ms);
    const cats = new Set<string>();
    const fns = new Set<string>();
    for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) {
      const f = byId.get(id)!.callFrame;
      if (f.functionName === '(root)') break;
      const cat = categoryOf(f);
      cats.add(cat);
      // Tessera's own code: the sources under tsx, the bundle (with the libraries it holds) when built.
      if (cat.startsWith('src/') || /\/dist\//.test(f.url)) fns.add(frameKey(f));
    }
    for (const c of cats) add(inclCat, c, ms);
    for (const f of fns) add(inclSrcFn, f, ms);
  }
  return {
    totalMs: total,
    busyMs: total - idle,
    selfByFunction: sorted(selfFn, top),
    selfByCategory: sorted(selfCat, top),
    inclusiveByCategory: sorted(inclCat, top),
    inclusiveBySrcFunction: sorted(inclSrcFn, top),
  };
}

export function renderProfileSummary(s: ProfileSummary): string {
  const pct = (ms: number) => `${((100 * ms) / s.busyMs).toFixed(1).padStart(5)} %`;
  const block = (title: string, rows: Array<[string, number]>) => [`  ${title}`, ...rows.map(([k, ms]) => `    ${pct(ms)}  ${k}`)].join('\n');
  return [
    `CPU profile of the Tessera process: ${(s.busyMs / 1000).toFixed(1)} s busy of ${(s.totalMs / 1000).toFixed(1)} s sampled (percentages of busy time)`,
    block('self time by category', s.selfByCategory),
    block('self time by function', s.selfByFunction),
    block('on the stack, by category', s.inclusiveByCategory),
    block('on the stack, Tessera functions', s.inclusiveBySrcFunction),
  ].join('\n\n');
}
