package builtin

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/palisade/palisade/store"
	"github.com/palisade/palisade/store/sqlite"
)

// TestImport imports a folder laid out like Azure's library and reads an imported definition
// back from the store.
func TestImport(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, body string) {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("policyDefinitions/General/a.json", `{"properties":{"displayName":"A","policyType":"BuiltIn","mode":"All",
		"policyRule":{"if":{"field":"type","equals":"x/y"},"then":{"effect":"audit"}}},
		"id":"/providers/Microsoft.Authorization/policyDefinitions/aaaa","name":"aaaa"}`)
	write("policySetDefinitions/General/s.json", `{"properties":{"displayName":"S","policyType":"BuiltIn",
		"policyDefinitions":[{"policyDefinitionId":"/providers/Microsoft.Authorization/policyDefinitions/aaaa"}]},
		"id":"/providers/Microsoft.Authorization/policySetDefinitions/ssss","name":"ssss"}`)
	write("policyDefinitions/General/broken.json", `{"properties":{"mode":"All","policyRule":{"if":{"field":"type","equalz":"x"},"then":{"effect":"audit"}}}}`)
	st, err := sqlite.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	res, err := Import(ctx, st, dir)
	if err != nil {
		t.Fatal(err)
	}
	if res.Definitions != 1 || res.SetDefinitions != 1 || len(res.Skipped) != 1 {
		t.Fatalf("import = %+v", res)
	}
	err = st.View(ctx, func(tx store.Tx) error {
		d, err := tx.Get(ctx, "/providers/microsoft.authorization/policydefinitions/aaaa")
		if err != nil {
			return err
		}
		if d.Type != "microsoft.authorization/policydefinitions" || d.ParentKey != "/" {
			t.Errorf("imported document type %s parent %s", d.Type, d.ParentKey)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestImportLibrary imports Azure's whole built-in library when it is available.
func TestImportLibrary(t *testing.T) {
	dir := "../../shared/azure-policy/built-in-policies"
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("built-in library not found: %v", err)
	}
	if testing.Short() {
		t.Skip("imports 5,266 files")
	}
	st, err := sqlite.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	res, err := Import(context.Background(), st, dir)
	if err != nil {
		t.Fatal(err)
	}
	if res.Definitions != 5009 || res.SetDefinitions != 257 || len(res.Skipped) != 0 {
		t.Errorf("imported %d definitions, %d initiatives, skipped %v", res.Definitions, res.SetDefinitions, res.Skipped)
	}
}
