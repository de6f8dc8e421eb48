// The free-variable check: which identifiers does a function read that it does not declare itself?
// Run on the driver at plan time, so that "uses 'threshold', defined outside it" is reported before
// any executor runs the function (where it would be a ReferenceError, or worse, a different global).
//
// Worked example:
//
//   ({ userId, rating = defaultRating }) => {       params bind userId, rating; default reads defaultRating
//     const scaled = rating * scale;                scaled is declared; scale is read
//     return items.map((it) => it.id + userId);     it is a param of the inner arrow; .id is a property
//   }
//   → free: defaultRating, scale, items (in order of first use)
//
// Scopes follow JavaScript: function scopes get parameters, `var`s and `arguments`; blocks, loop
// heads, switch bodies and catch clauses get `let`/`const`/`class`/block-level `function`s.

import * as acorn from 'acorn';
import * as walk from 'acorn-walk';

/** A read of an undeclared identifier; `line`/`column` are 0-based offsets within the function text. */
export interface FreeVariableUse {
  name: string;
  line: number;
  column: number;
}

class Scope {
  readonly names = new Set<string>();
  constructor(readonly parent: Scope | undefined) {}
  has(name: string): boolean {
    for (let s: Scope | undefined = this; s !== undefined; s = s.parent) if (s.names.has(name)) return true;
    return false;
  }
}

interface WalkState {
  scope: Scope;
  free: Map<string, FreeVariableUse>;
}

/**
 * Parse a function's source (as `fn.toString()` gives it) and list the identifiers it reads but does
 * not declare, in order of first use. Throws a SyntaxError if `source` is not a function expression
 * or arrow function (method shorthand `foo() {}` and `[native code]` are not).
 *
 * @example
 * findFreeVariables('(r) => r.rating > threshold').map((u) => u.name) // ['threshold']
 */
export function findFreeVariables(source: string): FreeVariableUse[] {
  const program = acorn.parse(`(${source})`, { ecmaVersion: 'latest', sourceType: 'script', locations: true });
  const statement = program.body.length === 1 ? program.body[0] : undefined;
  const fn = statement?.type === 'ExpressionStatement' ? statement.expression : undefined;
  if (fn === undefined || (fn.type !== 'FunctionExpression' && fn.type !== 'ArrowFunctionExpression')) {
    throw new SyntaxError('expected a single function expression or arrow function');
  }
  const state: WalkState = { scope: new Scope(undefined), free: new Map() };
  walk.recursive(fn, state, visitors);
  return [...state.free.values()];
}

function reference(node: acorn.Identifier, state: WalkState): void {
  if (state.scope.has(node.name) || state.free.has(node.name)) return;
  const { line, column } = node.loc!.start;
  // The parser saw `(` + source: the first line is shifted by one column.
  state.free.set(node.name, { name: node.name, line: line - 1, column: line === 1 ? column - 1 : column });
}

function inScope<T>(state: WalkState, scope: Scope, body: (inner: WalkState) => T): T {
  return body({ scope, free: state.free });
}

type Callback = walk.WalkerCallback<WalkState>;
type RecursiveCallback = (node: acorn.AnyNode, state: WalkState, override?: string) => void;

// In acorn-walk's recursive walker, `c(node, state, override)` dispatches on `override ?? node.type`.
// Its base walkers already skip non-computed property keys, member `.x`, labels and meta-properties;
// we take over everything that declares names.
const visitors: walk.RecursiveVisitors<WalkState> = {
  Identifier: (node, state) => reference(node, state),

  Function(node, state, c) {
    const scope = new Scope(state.scope);
    if (node.type !== 'ArrowFunctionExpression') scope.names.add('arguments');
    if (node.type === 'FunctionExpression' && node.id) scope.names.add(node.id.name);
    for (const param of node.params) declarePattern(param, scope);
    inScope(state, scope, (inner) => {
      for (const param of node.params) visitPatternExpressions(param, inner, c);
      if (node.body.type === 'BlockStatement') {
        hoistVars(node.body, scope);
        declareLexical(node.body.body, scope);
        for (const stmt of node.body.body) (c as RecursiveCallback)(stmt, inner, 'Statement');
      } else {
        (c as RecursiveCallback)(node.body, inner, 'Expression');
      }
    });
  },

  Class(node, state, c) {
    if (node.superClass) (c as RecursiveCallback)(node.superClass, state, 'Expression');
    const scope = new Scope(state.scope);
    if (node.id) scope.names.add(node.id.name);
    inScope(state, scope, (inner) => c(node.body, inner));
  },

  BlockStatement: (node, state, c) => block(node.body, state, c),
  StaticBlock: (node, state, c) => block(node.body, state, c),

  VariableDeclaration(node, state, c) {
    // Names were declared when their scope was entered (hoisting); here only defaults and initializers run.
    for (const decl of node.declarations) {
      visitPatternExpressions(decl.id, state, c);
      if (decl.init) (c as RecursiveCallback)(decl.init, state, 'Expression');
    }
  },

  ForStatement(node, state, c) {
    const scope = new Scope(state.scope);
    if (node.init?.type === 'VariableDeclaration' && node.init.kind !== 'var') declareDeclarations(node.init, scope);
    inScope(state, scope, (inner) => walk.base.ForStatement!(node, inner, c));
  },
  ForInStatement: (node, state, c) => forInOf(node, state, c),
  ForOfStatement: (node, state, c) => forInOf(node, state, c),

  SwitchStatement(node, state, c) {
    (c as RecursiveCallback)(node.discriminant, state, 'Expression');
    const scope = new Scope(state.scope);
    for (const cs of node.cases) declareLexical(cs.consequent, scope);
    inScope(state, scope, (inner) => {
      for (const cs of node.cases) c(cs, inner);
    });
  },

  CatchClause(node, state, c) {
    const scope = new Scope(state.scope);
    if (node.param) declarePattern(node.param, scope);
    inScope(state, scope, (inner) => {
      if (node.param) visitPatternExpressions(node.param, inner, c);
      c(node.body, inner);
    });
  },
};

// An identifier in a pattern we did not handle as a declaration is an assignment target
// (`x = 1`, `[a, b] = pair`, `for (k in o)`): a reference. ('VariablePattern' is acorn-walk's name
// for that position; its typings do not list it.)
Object.assign(visitors, { VariablePattern: (node: acorn.Identifier, state: WalkState) => reference(node, state) });

function block(body: acorn.Statement[], state: WalkState, c: Callback): void {
  const scope = new Scope(state.scope);
  declareLexical(body, scope);
  inScope(state, scope, (inner) => {
    for (const stmt of body) (c as RecursiveCallback)(stmt, inner, 'Statement');
  });
}

function forInOf(node: acorn.ForInStatement | acorn.ForOfStatement, state: WalkState, c: Callback): void {
  const scope = new Scope(state.scope);
  if (node.left.type === 'VariableDeclaration' && node.left.kind !== 'var') declareDeclarations(node.left, scope);
  inScope(state, scope, (inner) => {
    if (node.left.type === 'VariableDeclaration') c(node.left, inner);
    else (c as RecursiveCallback)(node.left, inner, 'Pattern');
    (c as RecursiveCallback)(node.right, inner, 'Expression');
    (c as RecursiveCallback)(node.body, inner, 'Statement');
  });
}

/** Visit the expressions inside a binding pattern: default values and computed keys. */
function visitPatternExpressions(pattern: acorn.Pattern, state: WalkState, c: Callback): void {
  const rc = c as RecursiveCallback;
  switch (pattern.type) {
    case 'ObjectPattern':
      for (const prop of pattern.properties) {
        if (prop.type === 'RestElement') visitPatternExpressions(prop.argument, state, c);
        else {
          if (prop.computed) rc(prop.key, state, 'Expression');
          visitPatternExpressions(prop.value, state, c);
        }
      }
      break;
    case 'ArrayPattern':
      for (const el of pattern.elements) if (el) visitPatternExpressions(el, state, c);
      break;
    case 'RestElement':
      visitPatternExpressions(pattern.argument, state, c);
      break;
    case 'AssignmentPattern':
      visitPatternExpressions(pattern.left, state, c);
      rc(pattern.right, state, 'Expression');
      break;
    case 'MemberExpression':
      rc(pattern, state, 'Expression');
      break;
    case 'Identifier':
      break;
  }
}

/** Add the names a binding pattern declares (`{ a, b: [c, ...d], e = 1 }` → a, c, d, e). */
function declarePattern(pattern: acorn.Pattern, scope: Scope): void {
  switch (pattern.type) {
    case 'Identifier':
      scope.names.add(pattern.name);
      break;
    case 'ObjectPattern':
      for (const prop of pattern.properties) declarePattern(prop.type === 'RestElement' ? prop.argument : prop.value, scope);
      break;
    case 'ArrayPattern':
      for (const el of pattern.elements) if (el) declarePattern(el, scope);
      break;
    case 'RestElement':
      declarePattern(pattern.argument, scope);
      break;
    case 'AssignmentPattern':
      declarePattern(pattern.left, scope);
      break;
    case 'MemberExpression':
      break;
  }
}

function declareDeclarations(decl: acorn.VariableDeclaration, scope: Scope): void {
  for (const d of decl.declarations) declarePattern(d.id, scope);
}

/** Declare a statement list's block-scoped names: let, const, class and function declarations. */
function declareLexical(body: readonly (acorn.Statement | acorn.ModuleDeclaration)[], scope: Scope): void {
  for (const stmt of body) {
    if (stmt.type === 'VariableDeclaration' && stmt.kind !== 'var') declareDeclarations(stmt, scope);
    else if ((stmt.type === 'ClassDeclaration' || stmt.type === 'FunctionDeclaration') && stmt.id) scope.names.add(stmt.id.name);
  }
}

/** Declare every `var` in a function body (any depth, not inside nested functions) in its scope. */
function hoistVars(node: acorn.Node | null | undefined, scope: Scope): void {
  if (!node) return;
  const n = node as acorn.AnyNode;
  switch (n.type) {
    case 'VariableDeclaration':
      if (n.kind === 'var') declareDeclarations(n, scope);
      break;
    case 'BlockStatement':
    case 'StaticBlock':
      for (const s of n.body) hoistVars(s, scope);
      break;
    case 'IfStatement':
      hoistVars(n.consequent, scope);
      hoistVars(n.alternate, scope);
      break;
    case 'ForStatement':
      hoistVars(n.init, scope);
      hoistVars(n.body, scope);
      break;
    case 'ForInStatement':
    case 'ForOfStatement':
      hoistVars(n.left, scope);
      hoistVars(n.body, scope);
      break;
    case 'WhileStatement':
    case 'DoWhileStatement':
    case 'LabeledStatement':
    case 'WithStatement':
      hoistVars(n.body, scope);
      break;
    case 'TryStatement':
      hoistVars(n.block, scope);
      hoistVars(n.handler?.body, scope);
      hoistVars(n.finalizer, scope);
      break;
    case 'SwitchStatement':
      for (const cs of n.cases) for (const s of cs.consequent) hoistVars(s, scope);
      break;
    default:
      break;
  }
}
