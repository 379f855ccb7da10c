/**
 * Formats that quote source text (stylish's source line, SARIF's snippets)
 * must not print a secret's values: a finding about a Secret, a SOPS file or a
 * kustomize secretGenerator shows keys, not values. A file counts when any line
 * says so; showing too little of an ordinary file is the safe mistake.
 */
const SENSITIVE = [
  /^[ \t]*(?:-[ \t]+)?kind:[ \t]*(["']?)Secret\1[ \t]*(?:#.*)?\r?$/m,
  /"kind"[ \t]*:[ \t]*"Secret"/,
  /^[ \t]*(?:-[ \t]+)?secretGenerator:/m,
  /^sops:/m,
  /ENC\[AES256_GCM,/,
];

export function holdsSecrets(text: string): boolean {
  return SENSITIVE.some((pattern) => pattern.test(text));
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
