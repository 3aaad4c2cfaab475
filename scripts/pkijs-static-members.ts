/**
 * Vite plugin shared by vite.config.ts (browser bundles) and vite.cli.config.ts (the
 * command-line bundle).
 *
 * pkijs assigns static members after each class (`Foo.CLASS_NAME = "Foo";`), which bundlers
 * must keep as side effects, so every pkijs class ended up in the bundle. Moving them into
 * the class bodies (`static CLASS_NAME = "Foo";`, same value, same time of evaluation for
 * these literal and constant initialisers) lets unused classes be dropped: about 45 KB gzip.
 */
import type { Plugin } from 'vite';

export function pkijsStaticMembers(): Plugin {
  return {
    name: 'pkijs-static-members',
    transform(code, id) {
      if (!/[\\/]node_modules[\\/]pkijs[\\/]build[\\/]index\.es\.js$/.test(id)) return null;
      const classes = new Set([...code.matchAll(/^class ([\w$]+)(?: extends [\w$]+)? \{$/gm)].map((m) => m[1]!));
      const statics = new Map<string, string[]>();
      const out = code.replace(/^([\w$]+)\.([\w$]+) = ([^\n;]+);$/gm, (line, cls: string, prop: string, value: string) => {
        if (!classes.has(cls)) return line;
        statics.set(cls, [...(statics.get(cls) ?? []), `    static ${prop} = ${value};`]);
        return '';
      });
      return {
        code: out.replace(/^class ([\w$]+)((?: extends [\w$]+)? \{)$/gm, (line, cls: string) =>
          statics.has(cls) ? `${line}\n${statics.get(cls)!.join('\n')}` : line),
        map: null,
      };
    },
  };
}
