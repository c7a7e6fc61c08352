// Sprig math, conversions, defaults, flow control and JSON.
import { err, runCases } from './cases.js';
import type { Case } from './cases.js';

const d = { M: { a: 1 }, Zero: 0, Str: '7', F: 2.75, Nil: null };

const cases: Case[] = [
  ['{{ add 1 2 3 }} {{ add }} {{ add1 5 }} {{ sub 5 8 }}', null, '6 0 6 -3'],
  ['{{ mul 2 3 4 }} {{ mul 5 }}', null, '24 5'],
  ['{{ div 10 3 }} {{ div -7 2 }} {{ mod 10 3 }} {{ mod -7 3 }}', null, '3 -3 1 -1'],
  ['{{ div 1 0 }}', null, err('error calling div: runtime error: integer divide by zero')],
  ['{{ mod 1 0 }}', null, err('integer divide by zero')],
  ['{{ add "3" 2 }} {{ add 1.7 1 }} {{ add .Str 1 }} {{ add nil 1 }} {{ add true 1 }}', d, '5 2 8 1 2'],
  ['{{ max 1 5 3 }} {{ min 4 2 8 }} {{ biggest 1 9 }} {{ max "7" 3 }}', null, '5 2 9 7'],
  ['{{ addf 1.5 2 }} {{ addf 0.1 0.2 }} {{ subf 1 0.9 }} {{ mulf 1.1 3 }} {{ divf 10 4 }}', null, '3.5 0.3 0.1 3.3 2.5'],
  ['{{ divf 1 3 }} {{ add1f 1.5 }} {{ addf }}', null, '0.3333333333333333 2.5 0'],
  ['{{ divf 1 0 }}', null, err('error calling divf: decimal division by 0')],
  ['{{ maxf 1 2.5 }} {{ minf 1 2.5 -1.5 }}', null, '2.5 -1.5'],
  ['{{ floor 1.7 }} {{ ceil 1.2 }} {{ floor -1.5 }} {{ ceil "2.1" }}', null, '1 2 -2 3'],
  ['{{ round 3.14159 2 }} {{ round 2.5 0 }} {{ round 3.6 0 0.7 }} {{ round 1234.5678 -2 }}', null, '3.14 3 3 1200'],
  ['{{ round .F 1 }}', d, '2.8'],
  ['{{ int64 "42" }} {{ int "0x1A" }} {{ int "1.5" }} {{ int 3.9 }} {{ int true }} {{ int nil }} {{ int "1.0" }}', null, '42 26 0 3 1 0 1'],
  ['{{ float64 "1.5" }} {{ float64 "x" }} {{ float64 3 }} {{ float64 false }}', null, '1.5 0 3 0'],
  ['{{ atoi "12" }} {{ atoi "x" }} {{ atoi "-4" }}', null, '12 0 -4'],
  ['{{ toDecimal "0777" }} {{ toDecimal 777 }} {{ toDecimal "9" }}', null, '511 511 0'],
  ['{{ typeOf (int64 1) }} {{ typeOf (float64 1.5) }} {{ typeOf (float64 1) }} {{ kindOf (floor 1.5) }} {{ typeOf (addf 1 1) }}', null, 'int64 float64 float64 float64 float64'],
  ['{{ typeOf (add 1 2) }} {{ kindOf (sub 3 1) }} {{ typeOf (int "3") }} {{ typeOf (max 1 2) }} {{ typeOf (atoi "1") }} {{ typeOf (len "ab") }}', null, 'int64 int64 int int64 int int'],
  ['{{ repeat (add 1 1) "x" }} {{ index (list "a" "b") (sub 2 1) }} {{ if eq (add 1 1) 2 }}eq{{ end }} {{ if lt (len "abc") (add 1 3) }}lt{{ end }} {{ toJson (mul 3 4) }}', null, 'xx b eq lt 12'],
  ['{{ mulf 1000 1000 }} {{ float64 "12345678" }} {{ maxf 1 2 }} {{ round 2.5 0 | printf "%T" }}', null, '1e+06 1.2345678e+07 2 float64'],
  ['{{ repeat (floor 2.5) "x" }}', null, err('wrong type for value; expected int; got float64')],
  ['{{ index (list 1 2) (floor 1.5) }}', null, err('cannot index slice/array with type float64')],
  ['{{ range (ceil 1.2) }}{{ end }}', null, err("range can't iterate over 2")],
  ['{{ add (floor 2.7) 1 }} {{ if eq (floor 2.7) 2 }}two{{ end }} {{ toJson (floor 2.7) }}', null, '3 two 2'],
  // defaults and emptiness
  ['{{ default "foo" .Bar }} {{ default "foo" "bar" }} {{ default 5 0 }} {{ default "x" false }}', {}, 'foo bar 5 x'],
  ['{{ default "x" (list) }} {{ default "x" (dict) }} {{ "y" | default "x" }} {{ default "x" }}', null, 'x x y x'],
  ['{{ .Nil | default "fallback" }}', d, 'fallback'],
  ['{{ empty "" }} {{ empty 0 }} {{ empty (list) }} {{ empty (dict) }} {{ empty false }} {{ empty nil }}', null, 'true true true true true true'],
  ['{{ empty .M }} {{ empty "a" }} {{ empty 1 }} {{ empty .Missing }} {{ empty 0.0 }}', d, 'false false false true true'],
  ['{{ coalesce 0 "" "x" }} {{ coalesce 0 }} {{ coalesce .Nil .Zero "z" }}', d, 'x <no value> z'],
  ['{{ all 1 "a" true }} {{ all 1 "" }} {{ any 0 "" "x" }} {{ any }} {{ all }}', null, 'true false true false true'],
  ['{{ ternary "y" "n" true }} {{ ternary "y" "n" false }} {{ true | ternary "y" "n" }}', null, 'y n y'],
  ['{{ ternary "y" "n" 1 }}', null, err('expected bool; found 1')],
  ['{{ ternary "y" "n" .Zero }}', d, err('wrong type for value; expected bool; got int')],
  ['{{ fail "oops" }}', null, err('error calling fail: oops')],
  ['{{ if .Zero }}{{ else }}{{ fail "zero not allowed" }}{{ end }}', d, err('zero not allowed')],
  // JSON
  ['{{ (fromJson "{\\"a\\":[1,2],\\"b\\":{\\"c\\":true}}").a }}', null, '[1 2]'],
  ['{{ $j := fromJson "{\\"n\\":1.0,\\"f\\":1.5,\\"s\\":\\"x\\",\\"z\\":null}" }}{{ $j.n }} {{ $j.f }} {{ $j.s }} {{ $j.z }}', null, '1 1.5 x <no value>'],
  ['{{ $j := fromJson "{\\"big\\":1000000,\\"l\\":[2]}" }}{{ $j.big }} {{ typeOf $j.big }} {{ index $j.l 0 | typeOf }}', null, '1e+06 float64 float64'],
  ['{{ fromJson "bad" }}', null, '<no value>'],
  ['{{ mustFromJson "bad" }}', null, err('error calling mustFromJson:')],
  ['{{ toJson "<>&" }} {{ toRawJson "<>&" }}', null, '"\\u003c\\u003e\\u0026" "<>&"'],
  ['{{ toJson (dict "b" 1 "a" (list 1.5 true nil "s")) }}', null, '{"a":[1.5,true,null,"s"],"b":1}'],
  ['{{ toPrettyJson (dict "a" (list 1 2) "b" (dict)) }}', null, '{\n  "a": [\n    1,\n    2\n  ],\n  "b": {}\n}'],
  ['{{ toJson . }}', { emoji: '😀', ctl: '\u0001', ls: '\u2028' }, '{"ctl":"\\u0001","emoji":"😀","ls":"\\u2028"}'],
  ['{{ toJson 1e21 }} {{ toJson 0.000001 }} {{ toJson 1e-7 }}', null, '1e+21 0.000001 1e-7'],
  ['{{ toJson .F }}', d, '2.75'],
  ['{{ mustToJson . }}', { f: () => 1 }, err('error calling mustToJson: json: unsupported type: func()')],
  ['{{ toJson . }}|', { f: () => 1 }, '|'],
  ['{{ toRawJson (list "<a>") }}', null, '["<a>"]'],
];

runCases('sprig-math', cases, { sprig: true });
