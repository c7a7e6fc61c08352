// Sprig regex, semver, hashes and crypto, reflection, URLs, paths, dates, OS and the hermetic map.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Template, sprigFuncMap, sprigHermeticFuncMap, NONHERMETIC_FUNCTIONS } from '../src/index.js';
import { err, runCases } from './cases.js';
import type { Case } from './cases.js';

process.env.TZ = 'UTC';
process.env.GOTEMPLATE_TEST = 'v';

const regex: Case[] = [
  ['{{ regexMatch "^[a-z]+@[a-z]+\\\\.com$" "ada@example.com" }}', null, 'true'],
  ['{{ regexMatch "(?i)^HELLO" "hello world" }}', null, 'true'],
  ['{{ regexMatch "^b" "abc" }}', null, 'false'],
  ['{{ regexMatch "(" "x" }}', null, 'false'],
  ['{{ mustRegexMatch "(" "x" }}', null, err('error calling mustRegexMatch: error parsing regexp: missing closing ): `(`')],
  ['{{ regexFindAll "[2,4,6,8]" "123456789" -1 }}', null, '[2 4 6 8]'],
  ['{{ regexFindAll "[2,4,6,8]" "123456789" 2 }}', null, '[2 4]'],
  ['{{ regexFindAll "a*" "baaab" -1 }}', null, '[ aaa ]'],
  ['{{ regexFind "[a-zA-Z][1-9]" "abcd1234" }}', null, 'd1'],
  ['{{ regexFind "z" "abc" }}|', null, '|'],
  ['{{ regexFind "(?P<year>\\\\d{4})" "in 2024" }}', null, '2024'],
  ['{{ regexFind "(" "x" }}', null, err('error calling regexFind: regexp: Compile(`(`): error parsing regexp: missing closing ): `(`')],
  ['{{ mustRegexFind "[" "x" }}', null, err('error parsing regexp: missing closing ]')],
  ['{{ regexReplaceAll "a(x*)b" "-ab-axxb-" "${1}W" }}', null, '-W-xxW-'],
  ['{{ regexReplaceAll "a(x*)b" "-ab-axxb-" "$1W" }}', null, '---'],
  ['{{ regexReplaceAll "a(x*)b" "-ab-axxb-" "$$" }}', null, '-$-$-'],
  ['{{ regexReplaceAll "(?P<y>\\\\d{4})-(?P<m>\\\\d{2})" "2024-05" "$m/$y" }}', null, '05/2024'],
  ['{{ regexReplaceAllLiteral "a(x*)b" "-ab-axxb-" "${1}" }}', null, '-${1}-${1}-'],
  ['{{ regexSplit "z+" "pizza" -1 }} {{ regexSplit "z+" "pizza" 1 }} {{ regexSplit "z+" "pizza" 0 }}', null, '[pi a] [pizza] []'],
  ['{{ regexSplit "" "abc" -1 }}', null, '[a b c]'],
  ['{{ regexSplit "," "a,b,,c" 3 }}', null, '[a b ,c]'],
  ['{{ regexQuoteMeta "1.2.3+[x]" }}', null, '1\\.2\\.3\\+\\[x\\]'],
  ['{{ regexMatch "^[[:alpha:]]+$" "abc" }} {{ regexMatch "^\\\\pL+$" "héllo" }} {{ regexMatch "^\\\\p{Greek}+$" "αβγ" }}', null, 'true true true'],
  ['{{ regexMatch "^a.c$" "a\\nc" }} {{ regexMatch "(?s)^a.c$" "a\\nc" }}', null, 'false true'],
  ['{{ regexMatch "\\\\Qa.b\\\\E" "a.b" }} {{ regexMatch "\\\\Qa.b\\\\E" "axb" }}', null, 'true false'],
  ['{{ regexMatch "x{2,}" "axxb" }} {{ regexMatch "a{" "a{" }}', null, 'true true'],
  ['{{ regexMatch "(?=x)" "x" }}', null, 'false'],
  ['{{ mustRegexMatch "(?=x)" "x" }}', null, err('invalid or unsupported Perl syntax')],
  ['{{ regexMatch "\\\\bword\\\\b" "a word here" }}', null, 'true'],
];

const semver: Case[] = [
  ['{{ semverCompare "^1.2.0" "1.2.3" }} {{ semverCompare "^1.2.0" "2.0.0" }}', null, 'true false'],
  ['{{ semverCompare "~1.2.0" "1.2.9" }} {{ semverCompare "~1.2.0" "1.3.0" }}', null, 'true false'],
  ['{{ semverCompare ">= 1.2, < 2.0" "1.9.9" }} {{ semverCompare ">=1.0.0 <2.0.0" "2.0.0" }}', null, 'true false'],
  ['{{ semverCompare "1.2.x" "1.2.7" }} {{ semverCompare "1.2.x" "1.3.0" }} {{ semverCompare "*" "5.0.0" }}', null, 'true false true'],
  ['{{ semverCompare "1.2 - 1.4.5" "1.4.5" }} {{ semverCompare "1.2 - 1.4.5" "1.4.6" }}', null, 'true false'],
  ['{{ semverCompare ">1.0.0 || <0.5.0" "0.4.0" }} {{ semverCompare ">1.0.0 || <0.5.0" "0.7.0" }}', null, 'true false'],
  ['{{ semverCompare "^0.2.3" "0.2.9" }} {{ semverCompare "^0.2.3" "0.3.0" }} {{ semverCompare "^0.0.3" "0.0.4" }}', null, 'true false false'],
  ['{{ semverCompare "!=1.2.3" "1.2.3" }} {{ semverCompare "!=1.2.3" "1.2.4" }}', null, 'false true'],
  ['{{ semverCompare ">=1.2.0" "1.3.0-beta" }} {{ semverCompare ">=1.2.0-0" "1.3.0-beta" }}', null, 'false true'],
  ['{{ semverCompare "=1.2.3" "v1.2.3" }} {{ semverCompare "1.2" "1.2.5" }} {{ semverCompare ">1.2" "1.2.5" }} {{ semverCompare "<=1.2" "1.2.5" }}', null, 'true true false true'],
  ['{{ semverCompare "bad constraint!" "1.0.0" }}', null, err('error calling semverCompare: improper constraint')],
  ['{{ semverCompare "^1" "not.a.version" }}', null, err('error calling semverCompare: Invalid Semantic Version')],
  ['{{ $v := semver "1.2.3-alpha.1+build.5" }}{{ $v.Major }}.{{ $v.Minor }}.{{ $v.Patch }} {{ $v.Prerelease }} {{ $v.Metadata }} {{ $v }}', null, '1.2.3 alpha.1 build.5 1.2.3-alpha.1+build.5'],
  ['{{ semver "v2.0" }} {{ (semver "1.2.3").Compare (semver "1.2.4") }} {{ (semver "1.0.0").LessThan (semver "1.0.0-rc1") }}', null, '2.0.0 -1 false'],
  ['{{ semver "x" }}', null, err('error calling semver: Invalid Semantic Version')],
];

const crypto: Case[] = [
  ['{{ sha1sum "hello" }}', null, 'aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d'],
  ['{{ sha256sum "hello" }}', null, '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824'],
  ['{{ sha512sum "" }}', null, 'cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e'],
  ['{{ adler32sum "hello" }} {{ adler32sum "" }}', null, '103547413 1'],
  ['{{ uuidv4 | regexMatch "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$" }}', null, 'true'],
  ['{{ encryptAES "secretkey" "plaintext" | decryptAES "secretkey" }}', null, 'plaintext'],
  ['{{ randBytes 12 | len }}', null, '16'],
  ['{{ derivePassword 1 "long" "password" "user" "example.com" }}', null, 'ZedaFaxcZaso9*'],
  ['{{ derivePassword 1 "maximum" "password" "user" "example.com" }}', null, 'pf4zS1LjCg&LjhsZ7T2~'],
  ['{{ derivePassword 1 "pin" "password" "user" "example.com" }}', null, '6685'],
  ['{{ derivePassword 1 "nope" "password" "user" "example.com" }}', null, 'cannot find password template nope'],
  ['{{ genPrivateKey "ecdsa" | hasPrefix "-----BEGIN EC PRIVATE KEY-----" }}', null, 'true'],
  ['{{ htpasswd "ada" "secret" "sha" }}', null, 'ada:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ='],
  ['{{ htpasswd "a:b" "secret" "sha" }}', null, 'invalid username: a:b'],
  ['{{ bcrypt "pw" | regexMatch `^\\$2a\\$10\\$[./A-Za-z0-9]{53}$` }}', null, 'true'],
  ['{{ regexMatch "^\\$" "$" }}', null, { parseError: 'invalid syntax' }],
  ['{{ htpasswd "ada" "pw" "bcrypt" | hasPrefix "ada:$2a$10$" }}', null, 'true'],
];

const reflection: Case[] = [
  ['{{ typeOf 1 }} {{ typeOf 1.5 }} {{ typeOf "s" }} {{ typeOf true }} {{ typeOf nil }}', null, 'int float64 string bool <nil>'],
  ['{{ typeOf (list) }} {{ typeOf (dict) }} {{ typeOf (now) }}', null, '[]interface {} map[string]interface {} time.Time'],
  ['{{ kindOf 1 }} {{ kindOf 1.5 }} {{ kindOf "s" }} {{ kindOf (list) }} {{ kindOf (dict) }} {{ kindOf true }} {{ kindOf nil }}', null, 'int float64 string slice map bool invalid'],
  ['{{ kindIs "slice" (list) }} {{ kindIs "map" (list) }} {{ typeIs "string" "x" }} {{ typeIsLike "string" "x" }}', null, 'true false true true'],
  ['{{ deepEqual (list 1 (dict "a" 1)) (list 1 (dict "a" 1)) }} {{ deepEqual 1 "1" }} {{ deepEqual (dict "a" 1) (dict "a" 2) }}', null, 'true false false'],
];

const urls: Case[] = [
  ['{{ urlParse "https://user:pass@example.com:8080/a/b?x=1&y=2#frag" }}', null, 'map[fragment:frag host:example.com:8080 hostname:example.com opaque: path:/a/b query:x=1&y=2 scheme:https userinfo:user:pass]'],
  ['{{ (urlParse "mailto:ada@example.com").opaque }} {{ (urlParse "/rel/p%20q").path }}', null, 'ada@example.com /rel/p q'],
  ['{{ urlJoin (dict "scheme" "https" "host" "example.com" "path" "/a b" "query" "x=1" "fragment" "f") }}', null, 'https://example.com/a%20b?x=1#f'],
  ['{{ urlJoin (dict "scheme" "https" "host" "h" "userinfo" "u:p") }}', null, 'https://u:p@h'],
  ['{{ urlJoin (dict "host" 1) }}', null, err('unable to parse host key, must be of type string, but int found')],
  ['{{ base "/a/b/c.txt" }} {{ base "" }} {{ base "/" }} {{ base "a/b/" }}', null, 'c.txt . / b'],
  ['{{ dir "/a/b/c" }} {{ dir "c" }} {{ dir "/" }}', null, '/a/b . /'],
  ['{{ clean "/a/../b/./c//" }} {{ clean "" }} {{ clean "../x/.." }}', null, '/b/c . ..'],
  ['{{ ext "a/b.tar.gz" }}|{{ ext "noext" }}|{{ ext "a.d/b" }}', null, '.gz||'],
  ['{{ isAbs "/x" }} {{ isAbs "x" }} {{ osBase "/x/y" }} {{ osDir "/x/y" }} {{ osClean "a//b" }} {{ osExt "f.md" }} {{ osIsAbs "/" }}', null, 'true false y /x a/b .md true'],
];

const dates: Case[] = [
  ['{{ dateInZone "2006-01-02T15:04:05Z07:00" 1700000000 "UTC" }}', null, '2023-11-14T22:13:20Z'],
  ['{{ dateInZone "Mon Jan _2 15:04:05 MST 2006" 1700000000 "UTC" }}', null, 'Tue Nov 14 22:13:20 UTC 2023'],
  ['{{ dateInZone "Jan 2, 2006 at 3:04pm (MST)" 1700000000 "America/New_York" }}', null, 'Nov 14, 2023 at 5:13pm (EST)'],
  ['{{ dateInZone "2006-01-02 15:04 -07:00" 1700000000 "Asia/Kolkata" }}', null, '2023-11-15 03:43 +05:30'],
  ['{{ dateInZone "15:04 MST" 1700000000 "Europe/Berlin" }} {{ dateInZone "15:04 MST" 1690000000 "Europe/Berlin" }} {{ dateInZone "MST" 1700000000 "Asia/Tokyo" }} {{ dateInZone "MST" 1700000000 "Asia/Dubai" }}', null, '23:13 CET 06:26 CEST JST +04'],
  ['{{ dateInZone "2006-01-02" 1700000000 "Nowhere/Bogus" }}', null, '2023-11-14'],
  ['{{ date_in_zone "06/1/2 03PM" 1700000000 "UTC" }}', null, '23/11/14 10PM'],
  ['{{ date "2006-01-02 15:04:05" 0 }}', null, '1970-01-01 00:00:00'],
  ['{{ htmlDateInZone 1700000000 "UTC" }} {{ htmlDate 86400 }}', null, '2023-11-14 1970-01-02'],
  ['{{ $t := toDate "2006-01-02 15:04:05.000" "2024-02-29 13:45:10.123" }}{{ dateInZone "Monday, January 2 2006 3PM .000 .999 002" $t "UTC" }}', null, 'Thursday, February 29 2024 1PM .123 .123 060'],
  ['{{ unixEpoch (toDate "2006-01-02" "2024-01-01") }}', null, '1704067200'],
  ['{{ toDate "2006-01-02" "bad" | unixEpoch }}', null, '-62135596800'],
  ['{{ mustToDate "2006-01-02" "bad" }}', null, err('error calling mustToDate: parsing time "bad" as "2006-01-02": cannot parse "bad" as "2006"')],
  ['{{ $t := toDate "2006-01-02T15:04:05Z07:00" "2024-05-06T07:08:09+02:00" }}{{ dateInZone "15:04 MST" $t "UTC" }} {{ unixEpoch $t }}', null, '05:08 UTC 1714972089'],
  ['{{ $t := toDate "2006-01-02 15:04" "2024-01-01 10:00" }}{{ dateInZone "15:04" (dateModify "-1h30m" $t) "UTC" }} {{ dateInZone "15:04" (dateModify "bad" $t) "UTC" }}', null, '08:30 10:00'],
  ['{{ $t := toDate "2006-01-02" "2024-01-01" }}{{ mustDateModify "x" $t }}', null, err('time: invalid duration "x"')],
  ['{{ duration "95" }} {{ duration "3661" }} {{ duration "x" }} {{ duration 3600 }} {{ duration "0" }}', null, '1m35s 1h1m1s 0s 1h0m0s 0s'],
  ['{{ durationRound "2h5s" }} {{ durationRound "8761h" }} {{ durationRound "400h" }} {{ durationRound "-1h" }} {{ durationRound "1500ms" }} {{ durationRound "x" }}', null, '2h 1y 16d 60m 1s 0s'],
  ['{{ ago 1700000000 | regexMatch "^[0-9]+h[0-9]+m[0-9]+s$" }}', null, 'true'],
  ['{{ now | date "2006" | len }} {{ typeOf now }}', null, '4 time.Time'],
  ['{{ (toDate "2006-01-02" "2024-03-05").Format "Jan 2" }} {{ (toDate "2006-01-02" "2024-03-05").Year }}', null, 'Mar 5 2024'],
  ['{{ dateInZone "2006-01-02" .T "UTC" }}', { T: new Date('2020-02-03T04:05:06Z') }, '2020-02-03'],
];

const os: Case[] = [
  ['{{ getHostByName "localhost" | regexMatch `^(127\\.0\\.0\\.1|::1)$` }}', null, 'true'],
  ['{{ env "GOTEMPLATE_TEST" }}|{{ env "GOTEMPLATE_UNSET_VAR" }}|', null, 'v||'],
  ['{{ expandenv "x=$GOTEMPLATE_TEST ${GOTEMPLATE_TEST}" }}', null, 'x=v v'],
];

runCases('sprig-regex', regex, { sprig: true });
runCases('sprig-semver', semver, { sprig: true });
runCases('sprig-crypto', crypto, { sprig: true });
runCases('sprig-reflect', reflection, { sprig: true });
runCases('sprig-url-path', urls, { sprig: true });
runCases('sprig-dates', dates, { sprig: true });
runCases('sprig-os', os, { sprig: true });

test('bcrypt matches known vectors', async () => {
  const { bcryptWithSettingsOf } = await import('../src/sprig/bcrypt.js');
  for (const h of ['$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW', '$2a$06$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf.iqN8.yx.jNN1ILEf7h0i']) {
    const pw = h.startsWith('$2a$05') ? 'U*U' : 'abc';
    assert.equal(bcryptWithSettingsOf(pw, h), h);
  }
});

test('the hermetic map leaves out environment, randomness and the clock', () => {
  const generic = sprigFuncMap();
  const hermetic = sprigHermeticFuncMap();
  for (const name of NONHERMETIC_FUNCTIONS) {
    assert.ok(!(name in hermetic), name);
    assert.ok(name in generic, name);
  }
  for (const name of ['ago', 'toDate', 'unixEpoch', 'duration', 'sha256sum', 'upper', 'semverCompare', 'toJson', 'regexMatch', 'dict', 'default']) {
    assert.ok(name in hermetic, name);
  }
  assert.ok(Object.keys(generic).length > 190, `generic map has ${Object.keys(generic).length} functions`);
  assert.throws(() => new Template('h').funcs(hermetic).parse('{{ env "HOME" }}'), /function "env" not defined/);
  assert.throws(() => new Template('h').funcs(hermetic).parse('{{ now }}'), /function "now" not defined/);
  assert.throws(() => new Template('h').funcs(hermetic).parse('{{ uuidv4 }}'), /function "uuidv4" not defined/);
  // maps are fresh copies
  delete (generic as Record<string, unknown>).upper;
  assert.ok('upper' in sprigFuncMap());
});

test('nested repetition runs on a linear-time engine (no catastrophic backtracking)', () => {
  const t = new Template('re').funcs(sprigFuncMap()).parse('{{ regexMatch "^(a+)+$" . }} {{ regexReplaceAll "(x+x+)+y" . "-" }} {{ regexFind "(\\\\d+,)*\\\\d+" "list: 1,22,333 end" }}');
  const started = Date.now();
  assert.equal(t.execute('a'.repeat(20000) + 'b'), 'false ' + 'a'.repeat(20000) + 'b 1,22,333');
  assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
});

test('certificates: genCA, genSignedCert, genSelfSignedCertWithKey, buildCustomCert', async () => {
  const { X509Certificate } = await import('node:crypto');
  const t = new Template('c').funcs(sprigFuncMap()).parse(
    '{{ $ca := genCA "Tessera Test CA" 30 }}{{ $leaf := genSignedCert "mail.example.test" (list "192.0.2.7") (list "mail.example.test") 7 $ca }}' +
      '{{ $k := genPrivateKey "ecdsa" }}{{ $self := genSelfSignedCertWithKey "self" nil (list "a.test") 1 $k }}' +
      '{{ $ca.Cert }}|{{ $leaf.Cert }}|{{ $leaf.Key }}|{{ $self.Cert }}|{{ eq $self.Key $k }}|{{ (buildCustomCert (b64enc $ca.Cert) (b64enc $ca.Key)).Cert | eq $ca.Cert }}',
  );
  const [ca, leaf, leafKey, self, sameKey, rebuilt] = t.execute(null).split('|');
  const caX = new X509Certificate(ca);
  const leafX = new X509Certificate(leaf);
  assert.equal(caX.subject, 'CN=Tessera Test CA');
  assert.ok(caX.ca);
  assert.equal(leafX.issuer, 'CN=Tessera Test CA');
  assert.ok(!leafX.ca);
  assert.ok(leafX.verify(caX.publicKey));
  assert.equal(leafX.subjectAltName, 'DNS:mail.example.test, IP Address:192.0.2.7');
  assert.match(leafKey, /^-----BEGIN RSA PRIVATE KEY-----/);
  assert.ok(new X509Certificate(self).verify(new X509Certificate(self).publicKey));
  assert.equal(sameKey, 'true');
  assert.equal(rebuilt, 'true');
  assert.throws(() => new Template('c').funcs(sprigFuncMap()).parse('{{ genSelfSignedCert "x" (list "not-an-ip") nil 1 }}').execute(null), /error parsing ip: not-an-ip/);
  assert.throws(() => new Template('c').funcs(sprigFuncMap()).parse('{{ buildCustomCert "bm9wZQ==" "bm9wZQ==" }}').execute(null), /unable to decode certificate/);
});
