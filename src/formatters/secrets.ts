import type { Finding } from '../linter/finding.js';

/**
 * Formats that quote source text (stylish's source line, SARIF's snippets)
 * must not print a secret's values: a finding about a Secret, a SOPS file or a
 * kustomize secretGenerator shows keys, not values. A file counts when a
 * finding is about a Secret in it, or when its text says so; the text tests
 * look for a Secret object, not for references to one (`valuesFrom`,
 * `substituteFrom` and `secretRef` entries say `kind: Secret` indented, in
 * most HelmReleases and Flux Kustomizations).
 */
const SENSITIVE_TEXT = [
  // A document's own kind, at the top level.
  /^kind:[ \t]*(["']?)Secret\1[ \t]*(?:#.*)?\r?$/m,
  /^[ \t]*"kind"[ \t]*:[ \t]*"Secret"/m,
  // Only a Secret has stringData, wherever it is embedded (a ResourceSet, an inline patch).
  /^[ \t]*(?:-[ \t]+)?stringData:/m,
  /^secretGenerator:/m,
  /^sops:/m,
  /ENC\[AES256_GCM,/,
];

export function holdsSecrets(text: string): boolean {
  return SENSITIVE_TEXT.some((pattern) => pattern.test(text));
}

/** Which files of a run hold secrets; each file's text is tested once. */
export function secretFiles(findings: readonly Finding[], sourceOf: (file: string) => string | undefined): (file: string) => boolean {
  const known = new Map<string, boolean>();
  for (const finding of findings) {
    if (finding.resource?.kind !== 'Secret' || finding.resource.apiVersion !== 'v1') continue;
    known.set(finding.file, true);
    for (const related of finding.related) known.set(related.file, true);
  }
  return (file) => {
    if (!known.has(file)) {
      const text = sourceOf(file);
      known.set(file, text !== undefined && holdsSecrets(text));
    }
    return known.get(file)!;
  };
}

// Indentation, sequence dashes and a plain or quoted key ending in ":".
const KEY = /^(?:[ \t]*(?:-[ \t]+)*)(?:[^\s#"'][^:#]*?|"[^"]*"|'[^']*')[ \t]*:(?=\s|$)/;
const LEAD = /^(?:[ \t]*(?:-[ \t]+)*)/;
const DOCUMENT_MARKER = /^(?:---|\.\.\.)(?=\s|$)/;

/**
 * A line with everything but its key masked, character for character, so a
 * `^~~~` underline still points at the same column.
 */
export function maskValues(line: string): string {
  const kept = (DOCUMENT_MARKER.exec(line) ?? KEY.exec(line) ?? LEAD.exec(line))![0];
  return kept + line.slice(kept.length).replace(/\S/g, '*');
}
