#!/usr/bin/env node
// Generates custom-elements.json (schema 2.0.0, https://github.com/webcomponents/custom-elements-manifest)
// for <myproxy-logon> from its source: the class doc comment's @attr/@prop/@fires/@csspart/
// @slot/@cssprop tags, the `static properties` block (attribute <-> property names and
// types) and the doc comments of public methods and getters. Run by the vite build (writes
// dist/custom-elements.json) or by hand: node scripts/custom-elements.mjs [out-file].
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MODULE = 'web/myproxy-logon.ts';
const TAG = 'myproxy-logon';

/** Text of a doc comment without the leading stars. */
const clean = (comment) => comment.replace(/^\s*\/\*\*|\*\/\s*$/g, '').split('\n').map((l) => l.replace(/^\s*\* ?/, '')).join('\n').trim();

/** `@tag name - text` entries (text may continue on following lines until the next tag). */
function tags(doc, tag) {
  const out = [];
  const re = new RegExp(`^@${tag}\\s+(?:\\{([^}]*)\\}\\s+)?([\\w-]+)\\s+-\\s+([\\s\\S]*?)(?=^@|(?![\\s\\S]))`, 'gm');
  for (const m of doc.matchAll(re)) out.push({ type: m[1], name: m[2], description: m[3].replace(/\s+/g, ' ').trim() });
  return out;
}

export function generateManifest(source = readFileSync(path.join(root, MODULE), 'utf8')) {
  const classMatch = /(\/\*\*(?:(?!\*\/)[\s\S])*\*\/)\s*export class (\w+) extends (\w+)/.exec(source);
  if (!classMatch) throw new Error(`${MODULE}: no documented exported class`);
  const doc = clean(classMatch[1]);
  const name = classMatch[2];
  const description = doc.split(/^@/m)[0].replace(/\s+/g, ' ').trim();

  // static properties = { name: { type: String, attribute: 'x' }, ... } (state and attribute:false skipped for attributes).
  const block = /static override properties[^=]*=\s*\{([\s\S]*?)\n {2}\};/.exec(source)?.[1] ?? '';
  const properties = [...block.matchAll(/^\s*(\w+):\s*\{([^}]*)\}/gm)].map((m) => ({
    name: m[1],
    state: /state:\s*true/.test(m[2]),
    attribute: /attribute:\s*false/.test(m[2]) ? undefined : (/attribute:\s*'([^']+)'/.exec(m[2])?.[1] ?? m[1].toLowerCase()),
    type: /type:\s*(\w+)/.exec(m[2])?.[1]?.toLowerCase(),
  }));
  const declared = new Map([...source.matchAll(/^\s*declare (\w+): ([^;]+);/gm)].map((m) => [m[1], m[2].trim()]));

  const attributes = tags(doc, 'attr').map((a) => {
    const prop = properties.find((p) => p.attribute === a.name);
    return { name: a.name, description: a.description, ...(prop ? { fieldName: prop.name, type: { text: declared.get(prop.name) ?? prop.type ?? 'string' } } : {}) };
  });
  const members = [];
  for (const prop of properties.filter((p) => !p.state)) {
    const attr = attributes.find((a) => a.fieldName === prop.name);
    const documented = tags(doc, 'prop').find((p) => p.name === prop.name);
    members.push({
      kind: 'field', name: prop.name, privacy: 'public',
      type: { text: documented?.type ?? declared.get(prop.name) ?? prop.type ?? 'unknown' },
      description: documented?.description ?? attr?.description ?? '',
      ...(prop.attribute ? { attribute: prop.attribute } : {}),
    });
  }
  for (const p of tags(doc, 'prop')) {
    if (!members.some((m) => m.name === p.name)) members.push({ kind: 'field', name: p.name, privacy: 'public', readonly: true, type: { text: p.type ?? 'unknown' }, description: p.description });
  }
  // Public methods with a doc comment (not #private, protected, static or override).
  for (const m of source.matchAll(/(\/\*\*(?:(?!\*\/)[\s\S])*\*\/)\n {2}(async )?([a-z]\w*)\(([^)]*)\)(?::\s*([^{]+?))?\s*\{/g)) {
    if (members.some((x) => x.name === m[3])) continue;
    const parameters = m[4].split(',').map((s) => s.trim()).filter(Boolean).map((s) => {
      const [, pname, optional, ptype] = /^(\w+)(\?)?(?::\s*([^=]+))?/.exec(s) ?? [];
      return { name: pname, ...(ptype ? { type: { text: ptype.trim() } } : {}), ...(optional || s.includes('=') ? { optional: true } : {}) };
    });
    members.push({ kind: 'method', name: m[3], privacy: 'public', description: clean(m[1]).replace(/\s+/g, ' '), parameters, ...(m[5] ? { return: { type: { text: m[5].trim() } } } : {}) });
  }

  const declaration = {
    kind: 'class', description, name, tagName: TAG, customElement: true,
    superclass: { name: classMatch[3], package: 'lit' },
    attributes, members,
    events: tags(doc, 'fires').map((e) => {
      const pascal = e.name.split('-').map((w) => w[0].toUpperCase() + w.slice(1)).join('').replace('Myproxy', 'MyProxy');
      return { name: e.name, description: e.description, type: { text: `CustomEvent<${pascal}Detail>` } };
    }),
    cssParts: tags(doc, 'csspart').map(({ name: n, description: d }) => ({ name: n, description: d })),
    cssProperties: tags(doc, 'cssprop').map(({ name: n, description: d }) => ({ name: n, description: d })),
    slots: tags(doc, 'slot').map(({ name: n, description: d }) => ({ name: n, description: d })),
  };
  return {
    schemaVersion: '2.0.0',
    readme: 'README.md',
    modules: [{
      kind: 'javascript-module', path: MODULE, declarations: [declaration],
      exports: [
        { kind: 'js', name, declaration: { name, module: MODULE } },
        { kind: 'custom-element-definition', name: TAG, declaration: { name, module: MODULE } },
      ],
    }],
  };
}

export function writeManifest(file = path.join(root, 'dist', 'custom-elements.json')) {
  writeFileSync(file, `${JSON.stringify(generateManifest(), null, 2)}\n`);
  return file;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log(`wrote ${writeManifest(process.argv[2] ? path.resolve(process.argv[2]) : undefined)}`);
}
