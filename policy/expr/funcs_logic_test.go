package expr

import "testing"

// Expected values follow
// https://learn.microsoft.com/azure/azure-resource-manager/templates/template-functions-comparison,
// https://learn.microsoft.com/azure/azure-resource-manager/templates/template-functions-logical and
// https://learn.microsoft.com/azure/azure-resource-manager/templates/template-functions-numeric
func TestComparisonFunctions(t *testing.T) {
	runCases(t, []evalCase{
		{expr: "[coalesce(null(), null(), 'x', 'y')]", want: "x"},
		{expr: "[coalesce(null(), '')]", want: ""},
		{expr: "[coalesce(null())]", want: nil},
		{expr: "[coalesce(tryGet(parameters('obj'), 'nope'), createArray())]", want: arr()},
		{expr: "[equals(1, 1)]", want: true},
		{expr: "[equals('a', 'A')]", want: true},
		{expr: "[equals(createArray('a', 'b'), createArray('a', 'b'))]", want: true},
		{expr: "[equals(createArray('a'), createArray('a', 'b'))]", want: false},
		{expr: "[equals(parameters('obj'), json('{\"b\": {\"c\": \"deep\"}, \"a\": 1}'))]", want: true},
		{expr: "[equals(1, '1')]", want: false},
		{expr: "[equals(1, 1.0)]", want: true},
		{expr: "[greater(10, 5)]", want: true},
		{expr: "[greater('A', 'a')]", want: true},
		{expr: "[greater('b', 'A')]", want: true},
		{expr: "[greaterOrEquals(5, 5)]", want: true},
		{expr: "[greaterOrEquals('A', 'a')]", want: true},
		{expr: "[lessOrEquals('A', 'a')]", want: false},
		{expr: "[greater(1, 2)]", want: false},
		{expr: "[empty(coalesce(null(), null()))]", want: true},
		{expr: "[less(10, 5)]", want: false},
		{expr: "[less('A', 'a')]", want: false},
		{expr: "[lessOrEquals(2.5, 3)]", want: true},
		{expr: "[greater(1, 'a')]", wantErr: "argument 2 is 'String', expected 'Integer'"},
		{expr: "[less(true(), false())]", wantErr: "argument 1 is 'Bool'"},
	})
}

func TestLogicalFunctions(t *testing.T) {
	runCases(t, []evalCase{
		{expr: "[and(true(), true())]", want: true},
		{expr: "[and(true(), false(), true())]", want: false},
		{expr: "[or(false(), false())]", want: false},
		{expr: "[or(false(), true())]", want: true},
		{expr: "[and(true(), 1)]", wantErr: "Unable to evaluate template language function 'and': the type of argument 2 is 'Integer', expected 'Bool'"},
		{expr: "[not(true())]", want: false},
		{expr: "[not('true')]", wantErr: "argument 1 is 'String'"},
		{expr: "[bool('TRUE')]", want: true},
		{expr: "[bool('false')]", want: false},
		{expr: "[bool(1)]", want: true},
		{expr: "[bool(0)]", want: false},
		{expr: "[bool('yes')]", wantErr: "not a valid boolean"},
		{expr: "[if(equals(1, 1), 'yes', 'no')]", want: "yes"},
		{expr: "[if(false(), 'yes', createArray(1))]", want: arr(int64(1))},
		// only the chosen branch is evaluated
		{expr: "[if(true(), 'safe', substring('a', 5, 5))]", want: "safe"},
		{expr: "[if(false(), parameters('obj').missing, 'safe')]", want: "safe"},
		{expr: "[if('true', 1, 2)]", wantErr: "the type of argument 1 is 'String', expected 'Bool'"},
	})
}

func TestNumericFunctions(t *testing.T) {
	runCases(t, []evalCase{
		{expr: "[add(5, 3)]", want: int64(8)},
		{expr: "[sub(7, 3)]", want: int64(4)},
		{expr: "[mul(5, -3)]", want: int64(-15)},
		{expr: "[div(8, 3)]", want: int64(2)},
		{expr: "[div(-7, 2)]", want: int64(-3)},
		{expr: "[mod(7, 3)]", want: int64(1)},
		{expr: "[div(1, 0)]", wantErr: "The template function 'div' failed: attempted to divide by zero"},
		{expr: "[mod(1, 0)]", wantErr: "divide by zero"},
		{expr: "[add('1', 2)]", wantErr: "argument 1 is 'String', expected 'Integer'"},
		{expr: "[add(1.5, 2)]", wantErr: "argument 1 is 'Float', expected 'Integer'"},
		{expr: "[float('3.5')]", want: 3.5},
		{expr: "[float(3)]", want: 3.0},
		{expr: "[float('x')]", wantErr: "not a valid number"},
		{expr: "[int('4')]", want: int64(4)},
		{expr: "[int(2.5)]", want: int64(2)},
		{expr: "[int(3.5)]", want: int64(4)},
		{expr: "[int('4.5')]", wantErr: "not a valid integer"},
		{expr: "[int(createArray())]", wantErr: "argument 1 is 'Array'"},
	})
}
