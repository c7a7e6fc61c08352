/**
 * Programs for the differential tests: hand-written Kratos-style templates plus a seeded random
 * generator of well-typed expressions over the language and the standard library of jsonnet 0.20
 * (the version the reference addon embeds).
 */

export const handWritten: string[] = [
  // SMS body (Twilio-style HTTP courier request)
  `function(ctx) { from: "+15005550006", to: ctx.recipient, body: ctx.body }`,
  `local ctx = std.extVar("ctx"); { To: ctx.recipient, From: "+15005550006", Body: ctx.body }`,
  // web hook body
  `function(ctx) { identity_id: ctx.identity.id, email: ctx.identity.traits.email, flow: ctx.flow.type, headers: std.objectFields(ctx.request_headers) }`,
  // OIDC claims mapper
  `local claims = { email_verified: false } + std.extVar('claims');
   { identity: { traits: { [if 'email' in claims && claims.email_verified then 'email' else null]: claims.email, username: claims.sub } } }`,
  `local claims = std.extVar('claims'); { identity: { traits: { email: claims.email, name: std.join(' ', [claims.given_name, claims.family_name]) }, metadata_public: { provider: 'github' } } }`,
  // templates with formatting
  `function(ctx) { subject: "Recover access to your account", body: "Hi %s, your code is %s." % [ctx.template_data.identity.traits.email, ctx.template_data.recovery_code] }`,
  `local fmt(n) = std.format("%08.3f|%-6s|%x", [n, std.toString(n), std.floor(n)]); [fmt(x) for x in [0, 1.5, 255.999, 1e3]]`,
  `{ yaml: std.manifestYamlDoc({ a: [1, { b: 'x' }], c: { d: null, e: 'multi\\nline\\n' } }), ini: std.manifestIni({ main: { k: 'v' }, sections: { s: { a: 1 } } }) }`,
  `local people = [{ name: 'Ann', age: 31 }, { name: 'Bob', age: 25 }, { name: 'Cy', age: 40 }];
   { sorted: std.sort(people, function(p) p.age), names: std.map(function(p) p.name, people), adults: std.length(std.filter(function(p) p.age > 30, people)) }`,
  `local base = { port: 80, host: 'localhost', url: 'http://%s:%d' % [self.host, self.port] }; [base, base { port: 8080 }, base { host+: '.localdomain' }]`,
  `std.manifestJsonEx({ a: [1, 2, { b: [] }], c: {} }, '  ')`,
  `std.mergePatch({ a: { b: 1, c: [1] }, d: 'x' }, { a: { b: null, e: { f: 1 } }, d: null })`,
  `local m = { [std.toString(i)]: i * i for i in std.range(1, 12) }; [m['3'], std.length(m), std.objectFields(m)]`,
  `[std.base64(std.toString(x)) for x in [1, 'abc', [1, 2], { a: 'é' }]]`,
  `{ md5: std.md5('tessera'), escaped: std.escapeStringJson('q"\\\\\\n\\t\\u0001'), bash: std.escapeStringBash("it's") }`,
  `std.prune({ a: null, b: [null, [], {}, 1], c: { d: { e: null } }, f: 'x' })`,
  `local f(n) = if n <= 1 then n else f(n - 1) + f(n - 2); [f(i) for i in std.range(0, 15)]`,
  `{ nums: [1 / 3, 2 / 3, 1e-7, 1e21, 123456789012, 0.1 + 0.2, -0.5, 1e300, 4.35, 2.675] }`,
  `std.manifestPython({ a: [true, false, null], b: 'x"y' }) + std.manifestPythonVars({ v: [1.5] })`,
  `std.manifestXmlJsonml(['ul', { class: 'list' }, ['li', 'one'], ['li', { id: 2 }, 'two']])`,
  `std.manifestYamlStream([{ a: 1 }, [], {}, 'x', 5])`,
  `local o = { a:: 1, b: self.a + 1, c::: 3 } + { a: 10 }; [o, std.objectFieldsAll(o)]`,
  `std.split('a/b//c', '/') + std.splitLimit('k=v=w', '=', 1) + [std.strReplace('aXbXc', 'X', '--')]`,
  `[std.setUnion([1, 3, 5], [2, 3]), std.setInter(['a', 'b'], ['b', 'c']), std.setDiff([1, 2, 3], [2]), std.set([3, 1, 3, 2])]`,
  `{ assert std.length(self.items) > 0 : 'need items', items: [1] }`,
  `{ assert std.length(self.items) > 0 : 'need items', items: [] }`,
  `local x = { a: error 'lazy' }; { ok: std.objectHas(x, 'a') }`,
  `std.parseJson('{"a": [1, 2.5, "x", null, true, {"b": {}}], "c": -3e5}')`,
  `"%(greeting)s, %(name)s! You have %(count)d new %(what)s." % { greeting: 'Hello', name: 'Ann', count: 3, what: 'messages' }`,
  `std.foldl(function(acc, w) acc { [w]+: 1 }, std.split('a b a c b a', ' '), {})`,
  `{ [k]: std.asciiUpper(k) for k in ['x', 'y', 'z'] if k != 'y' }`,
  `local arr = std.range(1, 20); [arr[3:7], arr[::5], arr[15:], 'jsonnet'[2:5], std.slice(arr, 1, 10, 3)]`,
  `[std.codepoint('€'), std.char(128512), std.length('😀é'), std.stringChars('aé😀'), std.encodeUTF8('é€')]`,
  `std.makeArray(5, function(i) { i: i, sq: i * i, even: i % 2 == 0 })`,
  `[1 < 2, 'a' < 'b', [1, 2] < [1, 3], 'é' > 'e', 1 == 1.0, [1] == [1], { a: 1 } == { a: 1 }, null == false]`,
  `[1 << 3, 255 & 15, 8 | 3, 6 ^ 3, ~0, -7 % 3, 7 % -3, 5.5 % 2]`,
  `error 'explicit failure'`,
  `{ a: 1 }.b`,
  `local f(x) = x; f(1, 2)`,
  `std.substr('hello', 1, 3) + std.asciiLower('ÀB') + std.toString([1, 'a', { b: null }])`,
  `{ text: |||
      Dear %(name)s,
        indented line
      Regards
    ||| % { name: 'Ann' }, raw: @'C:\path\n', quote: "it's \"quoted\"" }`,
  `local Base = { name: 'base', full: self.name + '!', nested: { up: $.name } };
   local Mid = Base { name: 'mid', full: super.full + '?' };
   [Base, Mid, Mid { name+: '-x' }]`,
  `{ local secret = 's3cr3t', hash: std.md5(secret), hidden:: secret, [if true then 'dyn']: 1 }`,
  `local o = { a: 1, b:: 2, c::: 3 }; [std.objectFields(o), std.objectFieldsAll(o), std.objectValues(o), 'b' in o, std.objectHas(o, 'b')]`,
  `[x + y for x in ['a', 'b'] for y in ['1', '2'] if !(x == 'b' && y == '1')]`,
  `{ [k + '_' + v]: [k, v] for k in ['x', 'y'] for v in ['1'] }`,
  `local apply(f, args) = f(args[0], args[1]); [apply(function(a, b) a * b, [6, 7]), apply(std.max, [1, 2]), apply(function(a, b=10) a + b, [1, null])]`,
  `local f(a, b=a * 2, c=b + 1) = [a, b, c]; [f(1), f(1, 5), f(1, c=0), f(b=3, a=0)]`,
  `local sum(n, acc=0) = if n == 0 then acc else sum(n - 1, acc + n) tailstrict; sum(5000)`,
  `{ a: 1, assert self.a == 1 : 'bad a', b: { assert super.x == 1 : 'never checked' }.c } `,
  `local x = { a: { b: 1 } }; x + { a+: { c: 2 } } + { a+: { b: super.b * 10 } }`,
  `[{ a: 1 } == { a: 1, b:: 2 }, [1, [2]] == [1, [2]], 'a' != 'b', std.equals({}, {}), std.primitiveEquals(1, 1)]`,
  `std.manifestYamlDoc({ list: [{ name: 'x', ports: [80, 443] }, []], map: { 'key with space': true, '1x': null }, s: 'a\nb\n' }, indent_array_in_object=true, quote_keys=false)`,
  `std.manifestTomlEx({ title: 'T', owner: { name: 'N', tags: ['a', 'b'] }, servers: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }] }, '  ')`,
  `[std.parseInt('-17'), std.parseOctal('777'), std.parseHex('7fFF'), std.base64Decode('aGk='), std.base64DecodeBytes('AP8='), std.decodeUTF8([104, 195, 169])]`,
  `[std.findSubstr('aba', 'ababababa'), std.lstripChars('xxaxx', 'x'), std.rstripChars('xxaxx', 'x'), std.stripChars(' a ', ' '), std.splitLimit('a,b,c', ',', 1)]`,
  `local arr = std.makeArray(10, function(i) i * 3 % 7); [std.sort(arr), std.uniq(std.sort(arr)), std.set(arr), std.reverse(arr), std.member(arr, 6), std.count(arr, 6), std.find(6, arr)]`,
  `std.foldr(function(x, acc) acc + '(' + x + ')', ['a', 'b', 'c'], '') + std.foldl(function(acc, x) acc + '[' + x + ']', ['a', 'b', 'c'], '')`,
  `{ ['f%d' % i]: std.format('%5.2f|%-4d|%+.1e|%o|%X', [i / 7, i, i * 1000.5, i * 8, i * 255]) for i in std.range(1, 6) }`,
  `std.mapWithKey(function(k, v) if std.isObject(v) then std.objectFields(v) else v, { a: { x: 1, y:: 2 }, b: 3, h:: 4 })`,
  `local long = std.join('', std.makeArray(300, function(i) std.char(97 + i % 26))); [std.length(long), long[250:260], std.substr(long, 10, 5), std.asciiUpper(long[0:26])]`,
  `[1e-10, 1.5e-300, 123456789.123456789, 0.1 * 3, 1 / 7, -2.5e15, 2e15 + 0.5, 9007199254740993, 1e16 + 1, 3.0e-5]`,
  `local f = function(x) if x <= 0 then [] else [x] + f(x - 1); f(50)`,
  `error 'failure with ' + std.toString({ detail: [1, 2] })`,
  `{ a: 1 } + 1`,
  `assert std.isString(1) : 'not a string'; 1`,
  `std.makeArray(3, function(i) if i == 2 then error 'third' else i)`,
];

/** mulberry32: a small seeded generator, so the corpus is the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function generated(count: number, seed = 20261123): string[] {
  const r = rng(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)];
  const int = (n: number) => Math.floor(r() * n);
  const strs = ["'a'", "'hello'", "'Ünïcødé'", "'x y z'", "''", "'😀'", "'tab\\there'", "'quote\"d'", "@'v''erb'", "'%'"];
  const nums = ['0', '1', '-1', '2', '3.5', '0.1', '1e3', '-2.25', '7', '100', '1e-4', '12345.678'];
  const num = (d: number): string => {
    if (d <= 0) return pick(nums);
    switch (int(11)) {
      case 0: return `(${num(d - 1)} + ${num(d - 1)})`;
      case 1: return `(${num(d - 1)} * ${num(d - 1)})`;
      case 2: return `(${num(d - 1)} - ${num(d - 1)})`;
      case 3: return `std.length(${arr(d - 1)})`;
      case 4: return `std.floor(${num(d - 1)})`;
      case 5: return `(if ${bool(d - 1)} then ${num(d - 1)} else ${num(d - 1)})`;
      case 6: return `std.abs(${num(d - 1)})`;
      case 7: return `std.max(${num(d - 1)}, ${num(d - 1)})`;
      case 8: return `(local v = ${num(d - 1)}; v * v)`;
      case 9: return `std.foldl(function(a, b) a + b, [${num(d - 1)}, ${num(d - 1)}], 0)`;
      default: return `std.length(${str(d - 1)})`;
    }
  };
  const str = (d: number): string => {
    if (d <= 0) return pick(strs);
    switch (int(22)) {
      case 12: return `std.join('', std.stringChars(${str(d - 1)})[1::2])`;
      case 13: return `std.manifestPython(${any(d - 1)})`;
      case 14: return `std.base64(${str(d - 1)})`;
      case 15: return `std.md5(${str(d - 1)})`;
      case 16: return `std.manifestJsonMinified(${any(d - 1)})`;
      case 17: return `std.char(65 + std.length(${str(d - 1)}) % 50)`;
      case 18: return `std.join('/', std.split(${str(d - 1)}, 'l'))`;
      case 19: return `std.format('%(a)s-%(b)05.1f', { a: ${any(d - 1)}, b: ${num(d - 1)} })`;
      case 20: return `std.escapeStringBash(${str(d - 1)})`;
      case 21: return `std.manifestYamlStream([${any(d - 1)}, ${any(d - 1)}])`;
      case 0: return `(${str(d - 1)} + ${str(d - 1)})`;
      case 1: return `std.toString(${any(d - 1)})`;
      case 2: return `std.join(${pick(["','", "''", "' - '"])}, [${str(d - 1)}, ${str(d - 1)}])`;
      case 3: return `std.asciiUpper(${str(d - 1)})`;
      case 4: return `std.format(${pick(["'%s|%s'", "'%5s/%-5s'", "'%s and %s'"])}, [${any(d - 1)}, ${any(d - 1)}])`;
      case 5: return `std.format(${pick(["'%d'", "'%.2f'", "'%x'", "'%05.1f'", "'%+d'", "'%o'", "'%-6.1f|'"])}, [${num(d - 1)}])`;
      case 6: return `std.manifestJsonEx(${any(d - 1)}, '  ')`;
      case 7: return `std.escapeStringJson(${str(d - 1)})`;
      case 8: return `std.substr(${str(d - 1)}, 1, 3)`;
      case 9: return `std.strReplace(${str(d - 1)}, 'l', 'L')`;
      case 10: return `std.manifestYamlDoc(${any(d - 1)})`;
      default: return `(${str(d - 1)} + ${num(d - 1)})`;
    }
  };
  const bool = (d: number): string => {
    if (d <= 0) return pick(['true', 'false']);
    switch (int(7)) {
      case 0: return `(${num(d - 1)} < ${num(d - 1)})`;
      case 1: return `(${any(d - 1)} == ${any(d - 1)})`;
      case 2: return `(${bool(d - 1)} && ${bool(d - 1)})`;
      case 3: return `!${bool(d - 1)}`;
      case 4: return `std.member(${arr(d - 1)}, ${num(d - 1)})`;
      case 5: return `(${str(d - 1)} < ${str(d - 1)})`;
      default: return `std.objectHas(${obj(d - 1)}, 'a')`;
    }
  };
  const arr = (d: number): string => {
    if (d <= 0) return pick(['[]', '[1, 2, 3]', "['b', 'a']", '[null, true]', '[[1], [2, 3]]']);
    switch (int(16)) {
      case 10: return `std.sort(${arr(d - 1)}, function(x) std.toString(x))`;
      case 11: return `std.setUnion(std.set([${num(d - 1)}, ${num(d - 1)}]), std.set([${num(d - 1)}, 2]))`;
      case 12: return `std.flattenArrays([${arr(d - 1)}, ${arr(d - 1)}])`;
      case 13: return `std.filter(function(x) std.isNumber(x), ${arr(d - 1)})`;
      case 14: return `std.stringChars(${str(d - 1)})`;
      case 15: return `std.makeArray(${int(4)}, function(i) ${any(d - 1)})`;
      case 0: return `[${any(d - 1)}, ${any(d - 1)}]`;
      case 1: return `std.range(${int(3)}, ${int(6)})`;
      case 2: return `[x * 2 for x in std.range(1, ${1 + int(5)}) if x != ${int(4)}]`;
      case 3: return `std.map(function(x) [x], ${arr(d - 1)})`;
      case 4: return `(${arr(d - 1)} + ${arr(d - 1)})`;
      case 5: return `std.sort([${num(d - 1)}, ${num(d - 1)}, ${num(d - 1)}])`;
      case 6: return `std.uniq(std.sort([${str(d - 1)}, ${str(d - 1)}, ${str(d - 1)}]))`;
      case 7: return `std.objectFields(${obj(d - 1)})`;
      case 8: return `${arr(d - 1)}[1:]`;
      default: return `std.reverse(${arr(d - 1)})`;
    }
  };
  const obj = (d: number): string => {
    if (d <= 0) return pick(['{}', '{ a: 1 }', "{ b: 'x', a:: 2 }", '{ a: null, c: [] }']);
    switch (int(12)) {
      case 8: return `std.prune(${obj(d - 1)})`;
      case 9: return `({ local l = ${any(d - 1)}, a: l, [if ${bool(d - 1)} then 'b']: $.a })`;
      case 10: return `std.parseJson(std.manifestJsonEx(${obj(d - 1)}, ' '))`;
      case 11: return `(${obj(d - 1)} { z:: 1, y+: [1] })`;
      case 0: return `{ a: ${any(d - 1)}, b: ${any(d - 1)} }`;
      case 1: return `(${obj(d - 1)} + ${obj(d - 1)})`;
      case 2: return `({ a: ${num(d - 1)}, b: self.a * 2 } + { a: ${num(d - 1)} })`;
      case 3: return `({ a: [${num(d - 1)}] } + { a+: [${num(d - 1)}], c: super.a })`;
      case 4: return `{ [k]: ${any(d - 1)} for k in ['x', 'a', 'é'] }`;
      case 5: return `std.mergePatch(${obj(d - 1)}, ${obj(d - 1)})`;
      case 6: return `{ h:: ${any(d - 1)}, v: self.h, w::: 1 }`;
      default: return `std.mapWithKey(function(k, v) [k, v], ${obj(d - 1)})`;
    }
  };
  const any = (d: number): string => pick([num, str, bool, arr, obj])(d);
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(`{ result: ${any(1 + int(4))}, n: ${num(2)}, s: ${str(2)} }`);
  return out;
}
