import { describe, expect, it } from 'vitest';
import { loadRepository } from '../../src/linter/linter.js';
import { hostileTree, lintJson, located } from './hostile.js';

const FLUX_KUSTOMIZATION = (substitution: string) =>
  `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\n  namespace: flux-system\nspec:\n  interval: 1h\n  path: ./apps\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n  postBuild:\n${substitution}`;

const SOPS_SECRET = [
  'apiVersion: v1',
  'kind: Secret',
  'metadata:',
  '  name: cluster-secrets',
  '  namespace: flux-system',
  'stringData:',
  '  SECRET_DOMAIN: ENC[AES256_GCM,data:Zm9vYmFy,iv:aXY=,tag:dGFn,type:str]',
  'sops:',
  '  age:',
  '    - recipient: age1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq',
  '      enc: |',
  '        -----BEGIN AGE ENCRYPTED FILE-----',
  '        YWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IFgyNTUxOQ==',
  '        -----END AGE ENCRYPTED FILE-----',
  '  lastmodified: "2025-01-01T00:00:00Z"',
  '  mac: ENC[AES256_GCM,data:bWFj,iv:aXY=,tag:dGFn,type:str]',
  '  encrypted_regex: ^(data|stringData)$',
  '  version: 3.9.0',
  '',
].join('\n');

describe('Helm chart templates', () => {
  it('files under a chart’s templates/ and files with a line starting with {{ are skipped, broken or not', async () => {
    const template = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ include "app.fullname" . }}\n{{- if .Values.extra }}\ndata:\n  {{- toYaml .Values.extra | nindent 2 }}\n{{- end }}\n';
    const dir = hostileTree({
      'chart/Chart.yaml': 'apiVersion: v2\nname: app\nversion: 1.0.0\n',
      'chart/values.yaml': 'extra: {}\n',
      'chart/templates/configmap.yaml': template,
      'chart/templates/broken.yaml': 'a: [\n  {{ .x }}\n',
      'loose/template.yaml': template,
    });
    const { code, findings, files } = await lintJson(dir);
    expect({ code, findings, files }).toEqual({ code: 0, findings: [], files: 5 });
  });

  it('an action inside a line of a file that is not a template is YAML like any other: a flow mapping, or a mistake', async () => {
    const dir = hostileTree({
      'quoted.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: "{{ .Release.Name }}"\n',
      'flow-mapping.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n',
      'suffix.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-config\n',
    });
    expect(located((await lintJson(dir)).findings)).toEqual(['suffix.yaml:4:28 yaml-syntax/syntax UNEXPECTED_TOKEN']);
  });

  it('a file that is not a Kubernetes object, with an action inside a line (a helmfile), is a template; an object is not', async () => {
    const helmfile = 'releases:\n  - name: cilium\n    values:\n      - {{ requiredEnv "KUBERNETES_DIR" }}/apps/cilium/values.yaml\n';
    const object = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  files:\n    - {{ requiredEnv "DIR" }}/values.yaml\n';
    const dir = hostileTree({ 'bootstrap/helmfile.yaml': helmfile, 'apps/configmap.yaml': object });
    expect(located((await lintJson(dir)).findings)).toEqual(['apps/configmap.yaml:7:30 yaml-syntax/syntax UNEXPECTED_TOKEN']);
  });

  it('a template action inside a block scalar does not make a broken file a template: its error is a finding', async () => {
    const externalSecret = 'apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata:\n  name: app\nspec:\n  target:\n    template:\n      data:\n        config: |\n          {{- range $k, $v := . }}\n          {{ $k }}={{ $v }}\n          {{- end }}\n        list:\n          - >-\n            {{ .token }}\n';
    const dir = hostileTree({ 'broken.yaml': `${externalSecret}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n   namespace: db\n`, 'fine.yaml': externalSecret });
    expect(located((await lintJson(dir)).findings)).toEqual(['broken.yaml:20:9 yaml-syntax/syntax BLOCK_AS_IMPLICIT_KEY']);
  });
});

describe('Jinja', () => {
  it('.j2 files are not YAML files and are not read', async () => {
    const dir = hostileTree({ 'app.yaml.j2': '{% if x %}\nbroken: [\n{% endif %}\n', 'app.j2': '{{ x }}: [\n' });
    expect(await lintJson(dir)).toEqual({ code: 0, findings: [], files: 0 });
  });

  it('Jinja statements and comments in a .yaml file are findings where they start; makejinja’s #% %# delimiters are YAML comments', async () => {
    const dir = hostileTree({
      'statement.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n{% if x %}\ndata: {}\n{% endif %}\n',
      'comment.yaml': '{# generated #}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n',
      'makejinja.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a #{ name }#\n#% if x %#\ndata: {}\n#% endif %#\n',
    });
    expect(located((await lintJson(dir)).findings)).toEqual(['comment.yaml:1:2 yaml-syntax/syntax MISSING_CHAR', 'statement.yaml:5:2 yaml-syntax/syntax BAD_SCALAR_START']);
  });

  it('an Ansible template whose {{ expressions sit only inside block scalars is a template by its {% and {# lines', async () => {
    const template = [
      '{# managed by ansible #}',
      '{% for node in nodes %}',
      '---',
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      '  name: node',
      'data:',
      '  config: |',
      '    address: {{ node.address }}',
      '{% endfor %}',
      '',
    ].join('\n');
    const dir = hostileTree({ 'roles/k8s/templates/nodes.yaml': template });
    expect(await lintJson(dir)).toEqual({ code: 0, findings: [], files: 1 });
  });
});

describe('Flux substitution variables', () => {
  const app = [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    '  name: ${APP:=app}',
    '  namespace: default',
    'data:',
    '  host: app.${SECRET_DOMAIN}',
    '  replicas: ${REPLICAS:-1}',
    '  ${KEY_NAME:=key}: value',
    '  script: |',
    '    echo $${HOME} ${TZ}',
    '',
  ].join('\n');

  it('are plain YAML wherever they stand: keys, values, block scalars, with defaults', async () => {
    const dir = hostileTree({ 'apps/app.yaml': app });
    expect(await lintJson(dir)).toEqual({ code: 0, findings: [], files: 1 });
  });

  it('defined ones pass and an undefined one is a finding on the variable, also when a SOPS Secret defines them', async () => {
    const known = hostileTree({
      'clusters/apps.yaml': FLUX_KUSTOMIZATION('    substitute:\n      SECRET_DOMAIN: example.org\n'),
      'apps/app.yaml': app,
    });
    expect(located((await lintJson(known)).findings)).toEqual(['apps/app.yaml:11:19 flux-substitution-undefined/undefined']);
    const fromSops = hostileTree({
      'clusters/apps.yaml': FLUX_KUSTOMIZATION('    substituteFrom:\n      - kind: Secret\n        name: cluster-secrets\n'),
      'clusters/cluster-secrets.sops.yaml': SOPS_SECRET,
      'apps/app.yaml': app,
    });
    // The keys of an encrypted Secret are plain text: SECRET_DOMAIN is defined (its value unknown), TZ is not.
    expect(located((await lintJson(fromSops)).findings)).toEqual(['apps/app.yaml:11:19 flux-substitution-undefined/undefined']);
  });
});

describe('flux-operator inputs', () => {
  it('<< inputs.x >> in names, keys and values of a ResourceSet is plain text', async () => {
    const dir = hostileTree({
      'resourceset.yaml': [
        'apiVersion: fluxcd.controlplane.io/v1',
        'kind: ResourceSet',
        'metadata:',
        '  name: apps',
        '  namespace: flux-system',
        'spec:',
        '  inputs:',
        '    - tenant: team-a',
        '  resources:',
        '    - apiVersion: v1',
        '      kind: Namespace',
        '      metadata:',
        '        name: << inputs.tenant >>',
        '    - apiVersion: v1',
        '      kind: ConfigMap',
        '      metadata:',
        '        name: << inputs.tenant | slugify >>-config',
        '        namespace: << inputs.tenant >>',
        '      data:',
        '        << inputs.key >>: value',
        '        quoted: "<< inputs.value | quote >>"',
        '',
      ].join('\n'),
    });
    expect(await lintJson(dir)).toEqual({ code: 0, findings: [], files: 1 });
  });

  it('a merge key whose value is an input is no mapping to merge: a finding', async () => {
    const dir = hostileTree({ 'merge.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  <<: << inputs.x >>\n' });
    expect(located((await lintJson(dir)).findings)).toEqual(['merge.yaml:1:1 yaml-syntax/compose']);
  });
});

describe('SOPS', () => {
  it('an encrypted Secret is read like any other file: no finding', async () => {
    const dir = hostileTree({ 'secret.sops.yaml': SOPS_SECRET });
    expect(await lintJson(dir)).toEqual({ code: 0, findings: [], files: 1 });
  });
});

describe('YAML 1.1 booleans', () => {
  it('on, yes, no, y and off are strings (YAML 1.2, as Kubernetes string fields read them): no finding, and keys stay keys', async () => {
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: flags\n  namespace: default\ndata:\n  a: on\n  b: yes\n  c: No\n  y: n\n  on: off\n';
    // A document that declares %YAML 1.1 gets 1.1 booleans: `y` and `on` are both the key true.
    const dir = hostileTree({ 'flags.yaml': text, 'v11.yaml': `%YAML 1.1\n---\n${text.replace('name: flags', 'name: flags-11')}` });
    expect(located((await lintJson(dir)).findings)).toEqual(['v11.yaml:13:3 yaml-syntax/syntax DUPLICATE_KEY']);
    const { index } = loadRepository([{ path: 'flags.yaml', text }], '');
    expect(index.all[0]!.written.data).toEqual({ a: 'on', b: 'yes', c: 'No', y: 'n', on: 'off' });
  });
});
