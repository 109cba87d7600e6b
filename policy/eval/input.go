package eval

import (
	"time"

	"github.com/palisade/palisade/policy/expr"
)

// Input is everything one evaluation may read. All maps hold values in the expr value model.
type Input struct {
	// Resource is the ARM resource as the request would leave it (id, name, type, location, tags,
	// kind, identity, sku, properties, …). field conditions read it.
	Resource map[string]any
	// FieldFuncResource is what the field() template function reads. Nil means Resource. In an
	// existenceCondition, field conditions read the related resource while field() still reads
	// the resource the `if` block matched.
	FieldFuncResource map[string]any
	// Parameters holds the effective parameter values (assignment value, else the default).
	Parameters map[string]any
	// RequestContext is {"apiVersion": …, "identity": {claims}}; see requestContext() in the docs.
	RequestContext map[string]any
	// Policy is the object policy() returns: assignmentId, definitionId, setDefinitionId,
	// definitionReferenceId.
	Policy        map[string]any
	ResourceGroup map[string]any
	Subscription  map[string]any
	// Now is what utcNow() returns; the zero value means time.Now().
	Now time.Time
}

// apiVersion returns requestContext().apiVersion, used to pick api-version specific alias paths.
func (in *Input) apiVersion() string {
	if in.RequestContext == nil {
		return ""
	}
	v, _ := expr.Lookup(in.RequestContext, "apiVersion")
	s, _ := v.(string)
	return s
}

// Expression is one entry of Azure's evaluationDetails.evaluatedExpressions: what was compared to
// what, and the outcome. The JSON names and the "True"/"False" strings follow the PolicyViolation
// payload Azure returns in a RequestDisallowedByPolicy error.
type Expression struct {
	Result          string `json:"result"`
	ExpressionKind  string `json:"expressionKind"`
	Expression      string `json:"expression"`
	Path            string `json:"path,omitempty"`
	ExpressionValue any    `json:"expressionValue"`
	TargetValue     any    `json:"targetValue"`
	Operator        string `json:"operator"`
}
