package expr

import (
	"regexp"
	"testing"
)

// Expected values follow the examples of
// https://learn.microsoft.com/azure/azure-resource-manager/templates/template-functions-string
func TestStringFunctions(t *testing.T) {
	runCases(t, []evalCase{
		{expr: "[base64('one, two, three')]", want: "b25lLCB0d28sIHRocmVl"},
		{expr: "[base64ToString('b25lLCB0d28sIHRocmVl')]", want: "one, two, three"},
		{expr: "[base64ToString('not base64!')]", wantErr: "The template function 'base64ToString' failed"},
		{expr: "[base64ToJson(base64('{\"one\": \"a\", \"two\": 2}'))]", want: obj("one", "a", "two", int64(2))},
		{expr: "[base64(1)]", wantErr: "the type of argument 1 is 'Integer', expected 'String'"},
		{expr: "[concat('prefix', '-', 'suffix')]", want: "prefix-suffix"},
		{expr: "[concat('a', 1, true())]", want: "a1True"},
		{expr: "[concat(createArray('1-1', '1-2'), createArray('2-1'))]", want: arr("1-1", "1-2", "2-1")},
		{expr: "[concat(createArray(1), 'x')]", wantErr: "the type of argument 2 is 'String', expected 'Array'"},
		{expr: "[concat('x', createArray(1))]", wantErr: "expected 'String'"},
		{expr: "[contains('OneTwoThree', 'e')]", want: true},
		{expr: "[contains('OneTwoThree', 'z')]", want: false},
		{expr: "[contains('OneTwoThree', 'one')]", want: false},  // substring match is case-sensitive
		{expr: "[contains(parameters('obj'), 'A')]", want: true}, // object keys are case-insensitive
		{expr: "[contains(parameters('locations'), 'westeurope')]", want: true},
		{expr: "[contains(parameters('locations'), 'WestEurope')]", want: false},
		{expr: "[contains(1, 'a')]", wantErr: "the type of argument 1 is 'Integer'"},
		{expr: "[dataUri('Hello')]", want: "data:text/plain;charset=utf8;base64,SGVsbG8="},
		{expr: "[dataUriToString('data:;base64,SGVsbG8sIFdvcmxkIQ==')]", want: "Hello, World!"},
		{expr: "[dataUriToString('hello')]", wantErr: "not a data URI"},
		{expr: "[empty('')]", want: true},
		{expr: "[empty(' ')]", want: false},
		{expr: "[empty(createArray())]", want: true},
		{expr: "[empty(json('{}'))]", want: true},
		{expr: "[empty(null())]", want: true},
		{expr: "[empty(1)]", wantErr: "argument 1 is 'Integer'"},
		{expr: "[endsWith('abcdef', 'ef')]", want: true},
		{expr: "[endsWith('abcdef', 'F')]", want: true}, // case-insensitive
		{expr: "[endsWith('abcdef', 'e')]", want: false},
		{expr: "[startsWith('abcdef', 'AB')]", want: true},
		{expr: "[startsWith('abcdef', 'e')]", want: false},
		{expr: "[startsWith('ab', 'abc')]", want: false},
		{expr: "[first('One Two Three')]", want: "O"},
		{expr: "[first('')]", want: ""},
		{expr: "[first(parameters('locations'))]", want: "westeurope"},
		{expr: "[first(createArray())]", want: nil},
		{expr: "[last('One Two Three')]", want: "e"},
		{expr: "[last(parameters('locations'))]", want: "northeurope"},
		{expr: "[format('{0}, {1}. Formatted number: {2:N0}', 'Hello', 'User', 8175133)]", want: "Hello, User. Formatted number: 8,175,133"},
		{expr: "[format('{0:N2}|{1:D4}|{2:X}|{3,5}|{3,-5}|{{x}}', 1234.5, 42, 255, 'ab')]", want: "1,234.50|0042|FF|   ab|ab   |{x}"},
		{expr: "[format('{1}', 'a')]", wantErr: "less than the size of the argument list"},
		{expr: "[format('{0', 'a')]", wantErr: "not in a correct format"},
		{expr: "[format('{0:Q}', 1)]", wantErr: "not supported"},
		{expr: "[indexOf('test', 't')]", want: int64(0)},
		{expr: "[indexOf('abcdef', 'CD')]", want: int64(2)},
		{expr: "[indexOf('abcdef', 'z')]", want: int64(-1)},
		{expr: "[lastIndexOf('test', 't')]", want: int64(3)},
		{expr: "[indexOf(createArray('a', 'b', 'a'), 'a')]", want: int64(0)},
		{expr: "[lastIndexOf(createArray('a', 'b', 'a'), 'a')]", want: int64(2)},
		{expr: "[indexOf(createArray(1, 2), 3)]", want: int64(-1)},
		{expr: "[join(createArray('a', 'b', 'c'), ',')]", want: "a,b,c"},
		{expr: "[join(createArray('a', 1, true()), '-')]", want: "a-1-True"},
		{expr: "[join(createArray(createArray()), ',')]", wantErr: "element 0"},
		{expr: "[json('{\"a\": [1, 2.5, null]}')]", want: obj("a", arr(int64(1), 2.5, nil))},
		{expr: "[json('null')]", want: nil},
		{expr: "[json('{')]", wantErr: "not valid JSON"},
		{expr: "[length('One Two Three')]", want: int64(13)},
		{expr: "[length('héllo')]", want: int64(5)},
		{expr: "[length(parameters('locations'))]", want: int64(2)},
		{expr: "[length(parameters('obj'))]", want: int64(2)},
		{expr: "[length(null())]", wantErr: "argument 1 is 'Null'"},
		{expr: "[padLeft('123', 10, '0')]", want: "0000000123"},
		{expr: "[padLeft(7, 3, '0')]", want: "007"},
		{expr: "[padLeft('abc', 2)]", want: "abc"},
		{expr: "[padLeft('a', 3)]", want: "  a"},
		{expr: "[padLeft('a', 3, '00')]", wantErr: "single character"},
		{expr: "[replace('123-123-1234', '-', '')]", want: "1231231234"},
		{expr: "[replace('aAa', 'a', 'b')]", want: "bAb"},
		{expr: "[skip('one two three', 4)]", want: "two three"},
		{expr: "[skip('abc', 10)]", want: ""},
		{expr: "[skip('abc', -1)]", want: "abc"},
		{expr: "[take('one two three', 2)]", want: "on"},
		{expr: "[take(parameters('locations'), 1)]", want: arr("westeurope")},
		{expr: "[take(parameters('locations'), 5)]", want: arr("westeurope", "northeurope")},
		{expr: "[skip(parameters('locations'), 1)]", want: arr("northeurope")},
		{expr: "[split('one,two,three', ',')]", want: arr("one", "two", "three")},
		{expr: "[split('one;two,three', createArray(',', ';'))]", want: arr("one", "two", "three")},
		{expr: "[split('', ',')]", want: arr("")},
		{expr: "[split(null(), ',')]", want: arr()},
		{expr: "[split(1, ',')]", wantErr: "Unable to evaluate template language function 'split': the type of argument 1 is 'Integer', expected 'String'"},
		{expr: "[split('a', 1)]", wantErr: "argument 2 is 'Integer'"},
		{expr: "[string(5)]", want: "5"},
		{expr: "[string(true())]", want: "True"},
		{expr: "[string(createArray('a', 'b', 'c'))]", want: `["a","b","c"]`},
		{expr: "[string(json('{\"valueA\": 10, \"valueB\": \"Example Text\"}'))]", want: `{"valueA":10,"valueB":"Example Text"}`},
		{expr: "[string('<&>')]", want: "<&>"},
		{expr: "[substring('one two three', 4, 3)]", want: "two"},
		{expr: "[substring('hello', 2)]", want: "llo"},
		{expr: "[substring('1234567890', 0, 11)]", wantErr: "The template function 'substring' failed: The index and length parameters must refer to a location within the string. The index parameter: '0', the length parameter: '11', the length of the string parameter: '10'."},
		{expr: "[substring('hello', -1, 1)]", wantErr: "must refer to a location within the string"},
		{expr: "[substring('hello', 5)]", want: ""},
		{expr: "[substring('hello', 6)]", wantErr: "must refer to a location within the string"},
		{expr: "[substring(field('name'), 0, 3)]", want: "myS"},
		{expr: "[toLower('One Two Three')]", want: "one two three"},
		{expr: "[toUpper('One Two Three')]", want: "ONE TWO THREE"},
		{expr: "[trim('    one two three   ')]", want: "one two three"},
		{expr: "[uniqueString('hello', 'world')]", want: "a7wkljktk6wne"},
		{expr: "[uniqueString('hello-world')]", want: "a7wkljktk6wne"},
		{expr: "[uniqueString(1)]", wantErr: "argument 1 is 'Integer'"},
		{expr: "[guid('a', 'b')]", want: uuidV5(armGUIDNamespace, "a-b")},
		{expr: "[uri('http://contoso.com/resources/', 'nested/azuredeploy.json')]", want: "http://contoso.com/resources/nested/azuredeploy.json"},
		{expr: "[uri('http://contoso.org/firstpath', 'myscript.sh')]", want: "http://contoso.org/myscript.sh"},
		{expr: "[uri('http://contoso.org/firstpath/', 'myscript.sh')]", want: "http://contoso.org/firstpath/myscript.sh"},
		{expr: "[uri('http://contoso.org/firstpath/azuredeploy.json', 'myscript.sh')]", want: "http://contoso.org/firstpath/myscript.sh"},
		{expr: "[uri('http://contoso.org/firstpath/azuredeploy.json/', 'myscript.sh')]", want: "http://contoso.org/firstpath/azuredeploy.json/myscript.sh"},
		{expr: "[uri('http://contoso.org', 'myscript.sh')]", want: "http://contoso.org/myscript.sh"},
		{expr: "[uri('relative', 'b')]", wantErr: "not an absolute URI"},
		{expr: "[uriComponent('http://contoso.com/resources/nested/azuredeploy.json')]", want: "http%3A%2F%2Fcontoso.com%2Fresources%2Fnested%2Fazuredeploy.json"},
		{expr: "[uriComponentToString('http%3A%2F%2Fcontoso.com%2Fresources%2Fnested%2Fazuredeploy.json')]", want: "http://contoso.com/resources/nested/azuredeploy.json"},
		{expr: "[uriComponentToString('%zz')]", wantErr: "not a valid encoded URI component"},
	})
}

// guid() is a name-based version-5 UUID: 36 characters, deterministic, and
// the same for arguments that join to the same name.
// https://learn.microsoft.com/azure/azure-resource-manager/templates/template-functions-string#guid
func TestGUIDShape(t *testing.T) {
	env := newTestEnv()
	a, err := mustParse(t, "[guid(subscription().subscriptionId, 'x')]").Eval(env)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := mustParse(t, "[guid(concat(subscription().subscriptionId, '-x'))]").Eval(env)
	c, _ := mustParse(t, "[guid(subscription().subscriptionId, 'y')]").Eval(env)
	shape := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	if !shape.MatchString(a.(string)) {
		t.Errorf("guid %q is not a version-5 UUID", a)
	}
	if a != b {
		t.Errorf("guid(s, 'x') = %q, guid(s + '-x') = %q; want equal", a, b)
	}
	if a == c {
		t.Errorf("different names gave the same guid %q", a)
	}
}
