/** A KQL query translated for the `query_string` query, with the fields it names. */
export interface TranslatedKql {
  /** The same query in Lucene `query_string` syntax. */
  queryString: string;
  /** Every field the query names, in order of appearance, without repeats. */
  fields: string[];
}

type Token =
  | { kind: 'word'; text: string }
  | { kind: 'quoted'; text: string }
  | { kind: 'op'; text: ':' | '<' | '<=' | '>' | '>=' | '(' | ')' };

/**
 * Translates the subset of Kibana's KQL the stack's saved searches use into `query_string`
 * syntax: `field : "phrase"`, `field : value` (a `*` wildcard kept), `field >= 500` (and `<`,
 * `<=`, `>`), `and` / `or` / `not` (any case) and parentheses. KQL's precedence (not, then and,
 * then or) is made explicit with parentheses. Anything else (nested `{ }` queries, value lists
 * `field:(a or b)`, free text without a field) throws, so a saved search using more KQL than
 * this fails its test instead of being checked half.
 */
export function kqlToQueryString(kql: string): TranslatedKql {
  const tokens = tokenize(kql);
  const fields: string[] = [];
  let at = 0;

  const peek = () => tokens[at];
  const isKeyword = (word: string) => {
    const token = peek();
    return token?.kind === 'word' && token.text.toLowerCase() === word;
  };

  /** `operand (word operand)*`, parenthesised when there is more than one operand. */
  function chain(word: string, operand: () => string, joiner: string): string {
    const parts = [operand()];
    while (isKeyword(word)) {
      at++;
      parts.push(operand());
    }
    return parts.length === 1 ? (parts[0] as string) : `(${parts.join(joiner)})`;
  }
  const orExpression = (): string => chain('or', andExpression, ' OR ');
  const andExpression = (): string => chain('and', notExpression, ' AND ');
  function notExpression(): string {
    if (isKeyword('not')) {
      at++;
      return `(NOT ${notExpression()})`;
    }
    return primary();
  }
  function primary(): string {
    const token = tokens[at++];
    if (token?.kind === 'op' && token.text === '(') {
      const inner = orExpression();
      const close = tokens[at++];
      if (close?.kind !== 'op' || close.text !== ')') throw new Error(`KQL: missing ) in ${kql}`);
      return inner;
    }
    if (token?.kind !== 'word') throw new Error(`KQL: expected a field in ${kql}`);
    const field = token.text;
    const operator = tokens[at++];
    const value = tokens[at++];
    if (operator?.kind !== 'op' || operator.text === '(' || operator.text === ')' || !value) {
      throw new Error(`KQL: expected "${field} : value" or a range in ${kql}`);
    }
    if (value.kind === 'op') throw new Error(`KQL: unsupported value after ${field} in ${kql}`);
    if (!fields.includes(field)) fields.push(field);
    const name = escapeField(field);
    if (operator.text === ':') {
      return value.kind === 'quoted'
        ? `${name}:"${value.text.replace(/["\\]/g, '\\$&')}"`
        : `${name}:${escapeValue(value.text)}`;
    }
    if (value.kind === 'quoted' || !/^-?\d+(\.\d+)?$/.test(value.text)) {
      throw new Error(`KQL: ranges are translated for numbers only (${field}) in ${kql}`);
    }
    return `${name}:${operator.text}${value.text}`;
  }

  if (tokens.length === 0) return { queryString: '*', fields };
  const queryString = orExpression();
  if (at !== tokens.length) throw new Error(`KQL: unexpected input after ${queryString} in ${kql}`);
  return { queryString, fields };
}

function tokenize(kql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < kql.length) {
    const char = kql[i] as string;
    if (/\s/.test(char)) {
      i++;
    } else if (char === '"') {
      let text = '';
      i++;
      while (i < kql.length && kql[i] !== '"') {
        if (kql[i] === '\\') i++;
        text += kql[i] ?? '';
        i++;
      }
      if (i >= kql.length) throw new Error(`KQL: unterminated phrase in ${kql}`);
      i++;
      tokens.push({ kind: 'quoted', text });
    } else if (char === '<' || char === '>') {
      const withEquals = kql[i + 1] === '=';
      tokens.push({ kind: 'op', text: `${char}${withEquals ? '=' : ''}` as '<' | '>=' });
      i += withEquals ? 2 : 1;
    } else if (char === ':' || char === '(' || char === ')') {
      tokens.push({ kind: 'op', text: char });
      i++;
    } else if (char === '{' || char === '}') {
      throw new Error(`KQL: nested field queries are not translated: ${kql}`);
    } else {
      const match = /^[^\s:()<>"{}]+/.exec(kql.slice(i)) as RegExpExecArray;
      tokens.push({ kind: 'word', text: match[0] });
      i += match[0].length;
    }
  }
  return tokens;
}

/** query_string reserves these in field names and bare values (the wildcard `*` is kept in values). */
const RESERVED = /[+\-=&|!(){}[\]^"~?:\\/]/g;

function escapeField(field: string): string {
  return field.replace(RESERVED, '\\$&').replace(/\*/g, '\\*');
}

function escapeValue(value: string): string {
  return value.replace(RESERVED, '\\$&');
}
