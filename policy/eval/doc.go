// Package eval compiles Azure Policy conditions (the `if` block of a policy rule, a `count.where`,
// an `existenceCondition`) into a tree of small closures, and evaluates them against a resource
// and a request context.
//
// # Basics
//
// Compile walks the condition JSON once: it checks the structure (one left operand among
// field/value/count, exactly one operator, well-formed logical operators, count rules), resolves
// field names and aliases to JSON paths, and parses every template expression. Errors name the JSON
// path of the offending property. The result, a *Condition, is immutable and safe for concurrent
// use; Eval does no parsing and allocates little.
//
// # Semantics
//
// The rules follow https://learn.microsoft.com/azure/governance/policy/concepts/definition-structure-policy-rule
// and https://learn.microsoft.com/azure/governance/policy/how-to/author-policies-for-arrays:
//   - string comparisons are case-insensitive except match and notMatch;
//   - a field condition on a [*] alias holds when every selected value satisfies it (so an empty
//     collection satisfies any operator);
//   - inside count.where the counted [*] alias selects only the current array member, and field()
//     returns that selection as a one-member array (hence the documented first(field(…)));
//   - current() is accepted only inside a count.where, and without an index name only when that
//     count is not inside another count (a nested value count must have a name);
//   - field() returns "" for a missing non-array alias and [] for a missing [*] alias;
//   - a template-function error fails the evaluation (Azure treats that as an implicit deny).
//
// # Caveats
//
// The docs do not tabulate every operator against a missing (null) value. Palisade follows the
// widely observed behaviour: equals/like/in/contains/containsKey are false and their negations
// true; less/greater and friends are false for null (a type mismatch between two present values is
// an error, as documented).
package eval
