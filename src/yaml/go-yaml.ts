/**
 * `*app:` is an alias named `app:` in YAML 1.2, but Flux, kustomize and
 * kubectl (go-yaml, like libyaml) end an alias name at the first character
 * outside [A-Za-z0-9_-], so they read alias `app` used as a mapping key. When
 * the file defines `&app` and no `&app:`, the file means what Flux reads; the
 * space inserted here makes the YAML 1.2 parser read the same thing. Columns
 * after such an alias on its line move by one.
 */
export function withGoYamlAliases(text: string): string {
  return text.replace(/(^|[\s[{,])\*([A-Za-z0-9_-]+):(?=\s|$)/gm, (match, before: string, name: string) =>
    new RegExp(`&${name}(?![A-Za-z0-9_:-])`).test(text) && !text.includes(`&${name}:`) ? `${before}*${name} :` : match,
  );
}
