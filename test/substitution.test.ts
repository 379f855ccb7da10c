import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mayHoldUnreadableExpansion, referencesIn, substituteText, unreadableExpansionsIn, variablesReadIn, type Substitution } from '../src/resources/substitution.js';

// As fluxcd/pkg/envsubst parses a text: which variables it reads, and which
// it reads only when set (an operator that supplies a fallback).
describe('referencesIn', () => {
  const read = (text: string) => referencesIn(text).map(({ name, fallback }) => (fallback === undefined ? name : `${name}|${fallback}`));

  it('reads a bare variable, and one behind an operator that needs its value', () => {
    expect(read('${A}')).toEqual(['A']);
    for (const form of ['${#A}', '${A:1}', '${A:1:2}', '${A,}', '${A,,}', '${A^}', '${A^^}', '${A#p}', '${A##p}', '${A%p}', '${A%%.*}', '${A/a/b}', '${A//a/b}', '${A/#a/b}', '${A/%a/b}']) {
      expect(read(`x ${form} y`), form).toEqual(['A']);
    }
  });

  it('gives the fallback of operators that supply one when the variable is unset', () => {
    expect(read('${A:=x} ${B:-y} ${C=z} ${E:?e} ${F:+v}')).toEqual(['A|x', 'B|y', 'C|z', 'E|e', 'F|v']);
  });

  it('reads the variables of a default too: Flux evaluates it first', () => {
    expect(read('${CLAIM:=${APP}}')).toEqual(['CLAIM|${APP}', 'APP']);
    expect(read('${A:=${B:=${C}}-data}')).toEqual(['A|${B:=${C}}-data', 'B|${C}', 'C']);
  });

  it('reads nothing escaped with $$, and nothing envsubst would not expand', () => {
    expect(read('$${A} ${} ${ A} ${A')).toEqual([]);
    // An escape is its three characters: a ${ after it is expanded, and in a
    // default $$ is text (fluxcd/pkg envsubst, checked with a Go build of it).
    expect(read('$${A:=${B}}')).toEqual(['B']);
    expect(read('${A:-a $${HOME}}').map((reference) => reference.split('|')[0])).toEqual(['A', 'HOME']);
    expect(read('${1}')).toEqual(['1']);
    // `$$` is a `$`: an odd run of them before `{` ends in a reference.
    expect(read('$$${A} $$$${B} a$$${C}')).toEqual(['A', 'C']);
  });
});

// What envsubst's parser refuses (fluxcd/pkg envsubst/parse: "unable to
// parse variable name", "missing closing brace"), failing the whole build.
describe('unreadableExpansionsIn', () => {
  const unreadable = (text: string) => unreadableExpansionsIn(text).map(({ source, why }) => `${why} ${source}`);
  it('finds a ${ with no name after it, and a name followed by neither } nor an operator', () => {
    expect(unreadable('k8s/${.PVC.namespace}-${.PVC.name}')).toEqual(['name ${.PVC.namespace}', 'name ${.PVC.name}']);
    expect(unreadable('${{ secrets.TOKEN }} ${} ${ A} ${#}')).toEqual(['name ${{ secrets.TOKEN }}', 'name ${}', 'name ${ A}', 'name ${#}']);
    expect(unreadable('https://${APP.host}/ ${A')).toEqual(['end ${APP.host}', 'end ${A']);
    // The closing brace is looked for on the line only.
    expect(unreadable('${.a\n}')).toEqual(['name ${']);
  });

  it('finds an operator without what it takes, and a - without the colon of :-', () => {
    // A shell script's defaults and trims, in a ConfigMap that Flux substitutes.
    expect(unreadable('${1-/backups} ${var-} ${NODE/.local} ${A//} ${A/#} ${NODE%} ${A#} ${A##}')).toEqual([
      'end ${1-/backups}',
      'end ${var-}',
      'argument ${NODE/.local}',
      'argument ${A//}',
      'argument ${A/#}',
      'argument ${NODE%}',
      'argument ${A#}',
      'argument ${A##}',
    ]);
    expect(unreadable('${A:} ${A::2} ${A:1:} ${A,,,} ${A^^x} ${#A:-x} ${A:-x')).toEqual([
      'argument ${A:}',
      'argument ${A::2}',
      'argument ${A:1:}',
      'argument ${A,,,}',
      'argument ${A^^x}',
      'length ${#A:-x}',
      'unclosed ${A',
    ]);
    expect(unreadableExpansionsIn('${NODE%} ${A/b}').map((found) => found.operator)).toEqual(['%', '/']);
    // Each argument of a trim, substring or replacement is text or one ${...}, not both.
    expect(unreadable('${A#pre${B}} ${A:1${B}} ${A/x${B}/y} ${A%${B}post}')).toEqual(['argument ${A#pre${B}}', 'argument ${A:1${B}}', 'argument ${A/x${B}/y}', 'argument ${A%${B}post}']);
    expect(unreadable('${A#${B}} ${A:${B}:${C}} ${A/${B}/${C}} ${A//${B:-x}/y}')).toEqual([]);
    // A position is followed by : or }; in a replacement, $$ is an escape.
    expect(unreadable('${LINE:${#PREFIX}+1} ${V:${X}-1}')).toEqual(['argument ${LINE:${#PREFIX}+1}', 'argument ${V:${X}-1}']);
    expect(unreadable('${P//:/$${SEP}} ${P/$${A}/b}')).toEqual([]);
  });

  it('leaves alone what parses, and what $$ escapes', () => {
    expect(unreadable('${A} ${A:=x} ${#A} ${A,,} ${A^,} ${A/b/c} ${A/#/p-} ${A/\\//-} ${A%%.*} ${A##*.} ${A:1:2} ${A: -1} ${A:1} ${A=} ${1}')).toEqual([]);
    expect(unreadable('$${.a} $${{ b }} a$$${.c}')).toEqual(['name ${.c}']);
  });

  it('is looked for in JSON text by a test that misses none', () => {
    // An operator's may be left unclosed, which JSON text cannot tell: its `}` may be the object's.
    for (const text of ['k8s/${.PVC.name}', '${{ a }}', '${A.b}', '${A', '${}', '${ A}', '${A:-b', 'x "${A:=b"}', '${A-x}', '${A%}', '${A/b}', '${#A:-x}', '${A:}']) {
      expect(mayHoldUnreadableExpansion(JSON.stringify({ value: text }))).toBe(true);
    }
    expect(mayHoldUnreadableExpansion(JSON.stringify({ value: '${A} ${#A} $B ${A:=b} ${A:=${B}}' }))).toBe(false);
  });
});

describe('variablesReadIn', () => {
  it('finds, in a text and in its JSON, the name of every variable referencesIn reads without a fallback', () => {
    const piece = fc.constantFrom('${', '$', '{', '}', '#', ':', '=', '?', '+', ':=', '-', '%%', 'A', 'é', '1', '_', '"', '\\', '\n', ' ');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }).map((pieces) => pieces.join('')), (text) => {
        const names = referencesIn(text).flatMap(({ name, fallback }) => (fallback === undefined ? [name] : []));
        expect(variablesReadIn(text)).toEqual(expect.arrayContaining(names));
        expect(variablesReadIn(JSON.stringify({ [text]: [text] }))).toEqual(expect.arrayContaining(names));
      }),
      { seed: 7, numRuns: 2000 },
    );
  });

  it('leaves out a variable read only where a fallback is given', () => {
    expect(variablesReadIn('${A:=x} ${B:-y} ${C=z} ${E:?e} ${F:+v} ${G}')).toEqual(['G']);
    expect(variablesReadIn('${A:=${B}} ${#C} ${D:1} ${A}')).toEqual(['B', 'C', 'D', 'A']);
  });
});

describe('substituteText', () => {
  const substitution: Substitution = {
    variables: new Map<string, string | null>([
      ['A', 'a'],
      ['EMPTY', ''],
      ['SECRET', null],
    ]),
    complete: true,
    sources: [],
    dropped: [],
  };
  const substitute = (text: string) => substituteText(text, substitution);

  it('replaces known variables and leaves unknown ones as written', () => {
    expect(substitute('x${A}y${A}')).toBe('xaya');
    expect(substitute('${B}')).toBe('${B}');
    expect(substitute('${SECRET}')).toBe('${SECRET}');
    expect(substitute('${SECRET:=x}')).toBe('${SECRET:=x}');
  });

  it('falls back to the default, itself substituted, when the variable is unset or empty', () => {
    expect(substitute('${B:=x}')).toBe('x');
    expect(substitute('${B:=${A}}/data')).toBe('a/data');
    expect(substitute('${A:=${B}}}')).toBe('a}');
    expect(substitute('${EMPTY:-d}')).toBe('d');
  });

  it('writes $${...} out as ${...}, and leaves the value of a case change, trim or replacement unknown', () => {
    // As Flux writes it: the escape, then the reference after it (fluxcd/pkg envsubst gives `${VAR} ${VAR:=Value}`).
    expect(substitute('$${A} $${A:=${A}}')).toBe('${A} ${A:=a}');
    expect(substitute('${A^^}')).toBe('${A^^}');
    expect(substitute('${A%%.*}')).toBe('${A%%.*}');
  });
});
