import { describe, expect, it } from 'vitest';
import { locate, type Path, type SpanTarget } from '../src/yaml/locate.js';
import { parseSource } from '../src/yaml/source.js';

function regionAt(text: string, path: Path, target?: SpanTarget) {
  const source = parseSource('x.yaml', text);
  const region = source.regionOf(locate(source.documents[0]!, path, target));
  return `${region.line}:${region.column}-${region.endLine}:${region.endColumn}`;
}

const MANIFEST = `apiVersion: v1
kind: Service
metadata:
  name: web
  labels: &labels
    app: web
spec:
  ports:
    - port: 80
      name: http
  selector:
    <<: *labels
    tier: front
`;

describe('locate', () => {
  it('points at the value by default and at the key on request', () => {
    expect(regionAt(MANIFEST, ['metadata', 'name'])).toBe('4:9-4:12');
    expect(regionAt(MANIFEST, ['metadata', 'name'], 'key')).toBe('4:3-4:7');
  });

  it('walks sequences by index', () => {
    expect(regionAt(MANIFEST, ['spec', 'ports', 0, 'name'])).toBe('10:13-10:17');
  });

  it('falls back to the closest existing ancestor for a missing path', () => {
    expect(regionAt(MANIFEST, ['spec', 'ports', 0, 'protocol'])).toBe('9:7-11:1');
    expect(regionAt(MANIFEST, ['spec', 'missing', 'deeper'], 'key')).toBe('7:1-7:5');
  });

  it('finds keys inherited through a merge key', () => {
    expect(regionAt(MANIFEST, ['spec', 'selector', 'app'])).toBe('6:10-6:13');
  });

  it('points at a document even when its root is not a mapping', () => {
    expect(regionAt('- a\n- b\n', ['metadata'])).toBe('1:1-3:1');
  });
});

describe('parseSource', () => {
  it('reports only the first error of a document, at the offending token', () => {
    const source = parseSource('x.yaml', 'a:\n  b:\n    c: 1\n   d: 2\n  e: [\n');
    expect(source.problems.map((p) => [p.code, source.regionOf(p.span).line, source.regionOf(p.span).column])).toEqual([['BAD_INDENT', 4, 4]]);
  });

  it('reads an alias written "*app:" as Flux reads it when "&app" exists', () => {
    const source = parseSource('x.yaml', 'metadata:\n  name: &app web\nspec:\n  controllers:\n    *app:\n      replicas: 1\n');
    expect(source.problems).toEqual([]);
    expect(source.documents[0]!.toJS()).toEqual({ metadata: { name: 'web' }, spec: { controllers: { web: { replicas: 1 } } } });
  });

  it('keeps reporting "*app:" when no anchor "&app" exists', () => {
    expect(parseSource('x.yaml', 'a:\n  *app:\n    b: 1\n').problems).not.toEqual([]);
  });

  it('skips files with template actions instead of reporting them', () => {
    const source = parseSource('x.yaml', '{{- if .Values.enabled }}\napiVersion: v1\nkind: ConfigMap\n{{- end }}\n');
    expect(source.isTemplate).toBe(true);
    expect(source.problems).toEqual([]);
    expect(source.documents).toEqual([]);
  });
});
