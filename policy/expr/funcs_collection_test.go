package expr

import "testing"

// Expected values follow
// https://learn.microsoft.com/azure/azure-resource-manager/templates/template-functions-array and
// https://learn.microsoft.com/azure/azure-resource-manager/templates/template-functions-object
func TestCollectionFunctions(t *testing.T) {
	runCases(t, []evalCase{
		{expr: "[array(1)]", want: arr(int64(1))},
		{expr: "[array('efgh')]", want: arr("efgh")},
		{expr: "[array(parameters('locations'))]", want: arr("westeurope", "northeurope")},
		{expr: "[array(json('{\"a\": \"b\"}'))]", want: arr(obj("a", "b"))},
		{expr: "[createArray()]", want: arr()},
		{expr: "[createArray(1, 'a', createArray())]", want: arr(int64(1), "a", arr())},
		{expr: "[createObject('intProp', 1, 'stringProp', 'abc')]", want: obj("intProp", int64(1), "stringProp", "abc")},
		{expr: "[createObject()]", want: obj()},
		{expr: "[createObject('a')]", wantErr: "even number of arguments"},
		{expr: "[createObject(1, 2)]", wantErr: "argument 1 is 'Integer', expected 'String'"},
		{expr: "[flatten(createArray(createArray('one', 'two'), createArray('three'), createArray('four', 'five')))]", want: arr("one", "two", "three", "four", "five")},
		{expr: "[flatten(createArray(1))]", wantErr: "element 0 is of type 'Integer'"},
		{expr: "[intersection(createArray('one', 'two', 'three'), createArray('two', 'three'))]", want: arr("two", "three")},
		{expr: "[intersection(createArray('a', 'a', 'b'), createArray('a'), createArray('a', 'c'))]", want: arr("a")},
		{expr: "[intersection(createArray('A'), createArray('a'))]", want: arr()},
		{expr: "[intersection(createObject('one', 'a', 'two', 'b', 'three', 'c'), createObject('one', 'a', 'two', 'z', 'three', 'c'))]", want: obj("one", "a", "three", "c")},
		{expr: "[intersection(createArray(), createObject())]", wantErr: "argument 2 is 'Object', expected 'Array'"},
		{expr: "[intersection('a', 'b')]", wantErr: "argument 1 is 'String'"},
		{expr: "[union(createArray('one', 'two', 'three'), createArray('three', 'four'))]", want: arr("one", "two", "three", "four")},
		{expr: "[union(createObject('one', 'a', 'two', 'b'), createObject('three', 'c', 'two', 'z'))]", want: obj("one", "a", "two", "z", "three", "c")},
		// nested objects are merged, nested arrays replaced
		{expr: "[union(json('{\"p\": {\"a\": 1, \"l\": [1]}}'), json('{\"p\": {\"b\": 2, \"l\": [2]}}'))]", want: obj("p", obj("a", int64(1), "b", int64(2), "l", arr(int64(2))))},
		{expr: "[shallowMerge(createArray(json('{\"a\": {\"x\": 1}}'), json('{\"a\": {\"y\": 2}, \"b\": 3}')))]", want: obj("a", obj("y", int64(2)), "b", int64(3))},
		{expr: "[shallowMerge(createArray(1))]", wantErr: "element 0 is of type 'Integer'"},
		{expr: "[max(createArray(0, 3, 2, 5, 4))]", want: int64(5)},
		{expr: "[max(0, 3, 2, 5, 4)]", want: int64(5)},
		{expr: "[min(createArray(0, 3, 2, 5, 4))]", want: int64(0)},
		{expr: "[min(3, -2)]", want: int64(-2)},
		{expr: "[max(1, 2.5)]", want: 2.5},
		{expr: "[max(createArray())]", wantErr: "must not be empty"},
		{expr: "[max('a', 'b')]", wantErr: "argument 1 is 'String', expected 'Integer'"},
		{expr: "[range(1, 3)]", want: arr(int64(1), int64(2), int64(3))},
		{expr: "[range(5, 0)]", want: arr()},
		{expr: "[range(0, 10001)]", wantErr: "between 0 and 10000"},
		{expr: "[range(2147483647, 2)]", wantErr: "must not exceed 2147483647"},
		{expr: "[tryGet(parameters('obj'), 'a')]", want: int64(1)},
		{expr: "[tryGet(parameters('obj'), 'A')]", want: int64(1)},
		{expr: "[tryGet(parameters('obj'), 'zzz')]", want: nil},
		{expr: "[tryGet(parameters('locations'), 1)]", want: "northeurope"},
		{expr: "[tryGet(parameters('locations'), 2)]", want: nil},
		{expr: "[tryGet(parameters('locations'), 'x')]", wantErr: "argument 2 is 'String', expected 'Integer'"},
		{expr: "[tryGet(null(), 'x')]", want: nil},
		{expr: "[tryGet('s', 'x')]", wantErr: "argument 1 is 'String'"},
		{expr: "[null()]", want: nil},
		{expr: "[items(json('{\"item002\": {\"n\": 200}, \"item001\": {\"n\": 300}}'))]", want: arr(obj("key", "item001", "value", obj("n", int64(300))), obj("key", "item002", "value", obj("n", int64(200))))},
		{expr: "[items(createObject())]", want: arr()},
		{expr: "[items(createArray())]", wantErr: "argument 1 is 'Array', expected 'Object'"},
		{expr: "[indexFromEnd(createArray('apple', 'banana', 'orange', 'grape'), 2)]", want: "orange"},
		{expr: "[indexFromEnd(createArray('apple'), 2)]", wantErr: "out of range"},
		{expr: "[indexFromEnd(createArray('apple'), 0)]", wantErr: "out of range"},
		{expr: "[tryIndexFromEnd(createArray('apple', 'banana', 'orange', 'grape'), 2)]", want: "orange"},
		{expr: "[tryIndexFromEnd(createArray('apple', 'banana', 'orange', 'grape'), 5)]", want: nil},
	})
}

// Property and index access on function results.
// https://learn.microsoft.com/azure/azure-resource-manager/templates/template-expressions
func TestAccessors(t *testing.T) {
	runCases(t, []evalCase{
		{expr: "[parameters('obj').b.c]", want: "deep"},
		{expr: "[parameters('obj')['b']['c']]", want: "deep"},
		{expr: "[parameters('OBJ').B.C]", want: "deep"},
		{expr: "[parameters('locations')[1]]", want: "northeurope"},
		{expr: "[parameters('locations')[add(0, 1)]]", want: "northeurope"},
		{expr: "[parameters('obj')[concat('', 'a')]]", want: int64(1)},
		{expr: "[field('tags')['cost center']]", want: "42"},
		{expr: "[createArray(createArray(1, 2))[0][1]]", want: int64(2)},
		{expr: "[parameters('locations')[2]]", wantErr: "The language expression property array index '2' is out of bounds."},
		{expr: "[parameters('locations')[-1]]", wantErr: "out of bounds"},
		{expr: "[parameters('obj').zz]", wantErr: "The language expression property 'zz' doesn't exist, available properties are 'a, b'."},
		{expr: "[parameters('locations').x]", wantErr: "property 'x' can't be evaluated"},
		{expr: "[parameters('obj')[0]]", wantErr: "expected 'Array'"},
		{expr: "[parameters('obj')[true()]]", wantErr: "index is of type 'Bool'"},
		{expr: "[current('rule').priority]", want: int64(100)},
		{expr: "[requestContext().apiVersion]", want: "2023-01-01"},
	})
}
