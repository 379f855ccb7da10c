import { describe, expect, it } from 'vitest';
import { matchesSelector, parseSelectorText } from '../src/resources/selectors.js';

/** What the text selects of these labels, as matchesSelector tells it. */
const selects = (text: string, labels: Record<string, string>) => {
  const selector = parseSelectorText(text);
  return selector === undefined ? 'unread' : matchesSelector(selector, labels);
};

describe('a label selector written as text', () => {
  it('reads the forms of the Kubernetes selector syntax', () => {
    expect(parseSelectorText('substitution.flux.home.arpa/disabled notin (true), app==web,tier!=db, !legacy,ready')).toEqual({
      matchExpressions: [
        { key: 'substitution.flux.home.arpa/disabled', operator: 'NotIn', values: ['true'] },
        { key: 'app', operator: 'In', values: ['web'] },
        { key: 'tier', operator: 'NotIn', values: ['db'] },
        { key: 'legacy', operator: 'DoesNotExist', values: [] },
        { key: 'ready', operator: 'Exists', values: [] },
      ],
    });
    expect(parseSelectorText('env in (prod, staging )')).toEqual({ matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'staging'] }] });
  });

  it('selects as the API server does', () => {
    expect(selects('substitution.flux.home.arpa/disabled notin (true)', {})).toBe(true);
    expect(selects('substitution.flux.home.arpa/disabled notin (true)', { 'substitution.flux.home.arpa/disabled': 'true' })).toBe(false);
    expect(selects('substitution.flux.home.arpa/enabled in (true)', {})).toBe(false);
    expect(selects('substitution.flux.home.arpa/enabled=true', { 'substitution.flux.home.arpa/enabled': 'true' })).toBe(true);
    expect(selects('a!=b', {})).toBe(true);
    expect(selects('', { any: 'thing' })).toBe(true);
    expect(selects('a=${VALUE}', {})).toBe('unread');
  });

  it('does not read what it cannot tell: comparisons, a requirement cut short', () => {
    for (const text of ['replicas>1', 'a in (b', 'a in', '=b', 'a=b=c']) expect(parseSelectorText(text)).toBeUndefined();
  });
});
