// `vnic netns add | del | list`: named namespaces under /run/netns, as ip netns keeps them.
import { netns as namespaces } from '../index';
import type { Command } from './command';
import { changeCommand, verbObject } from './command';
import { UsageError, Words } from './grammar';
import { stringify } from './ipjson';

export const USAGE = `Usage: vnic netns add NAME
       vnic netns del NAME
       vnic netns list
       vnic netns help
(vnic -n NAME OBJECT … runs a command inside the namespace NAME)
`;

function nameOf(verb: string, words: Words): string {
  const name = words.take();
  if (name === undefined) throw new UsageError(`"netns ${verb}" needs a name: netns ${verb} NAME`);
  const extra = words.take();
  if (extra !== undefined) throw new UsageError(`unexpected "${extra}" after "netns ${verb} ${name}"`);
  return name;
}

function change(verb: 'add' | 'delete', words: Words): Command {
  const name = nameOf(verb, words);
  return changeCommand('all', async (session) => {
    await (verb === 'add' ? namespaces.add(name) : namespaces.del(name));
    session.forget(name);
  });
}

function list(words: Words): Command {
  const extra = words.take();
  if (extra !== undefined) throw new UsageError(`unexpected "${extra}" after "netns list"`);
  return {
    scope: 'all',
    run: async (session) => {
      const names = await namespaces.list();
      if (session.output.json) return stringify(names.map((name) => ({ name })), session.output.pretty);
      return names.map((name) => `${name}\n`).join('');
    },
  };
}

export const netns = verbObject({
  name: 'netns',
  summary: 'named network namespaces: add, del, list',
  usage: USAGE,
  parsers: { list, add: (words) => change('add', words), delete: (words) => change('delete', words), show: list },
  fallback: 'list',
});
