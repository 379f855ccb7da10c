import { describe, expect, it } from 'vitest';
import { renderReleaseTemplate } from '../src/resources/helm-release.js';

describe('renderReleaseTemplate', () => {
  const release = { name: 'media-sonarr', namespace: 'media', storage: 'flux-system' };

  it("renders the release's name and namespace however the action is spelled", () => {
    expect(renderReleaseTemplate('{{ .Release.Name }}.example.com', release)).toBe('media-sonarr.example.com');
    expect(renderReleaseTemplate('{{.Release.Name}}.{{ $.Release.Namespace }}.example.com', release)).toBe('media-sonarr.media.example.com');
    expect(renderReleaseTemplate('{{- .Release.Namespace -}}.example.com', release)).toBe('media.example.com');
  });

  it('leaves text without a template as it is, and gives up on any other template', () => {
    expect(renderReleaseTemplate('sonarr.example.com', release)).toBe('sonarr.example.com');
    expect(renderReleaseTemplate('{{ .Values.host }}.example.com', release)).toBeUndefined();
    expect(renderReleaseTemplate('{{ .Release.Name | lower }}.example.com', release)).toBeUndefined();
    expect(renderReleaseTemplate('{{ .Release.Name }}.example.com', undefined)).toBeUndefined();
  });
});
