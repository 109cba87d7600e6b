package sqlite

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/palisade/palisade/armid"
	"github.com/palisade/palisade/store"
)

// Under continuous writes the background checkpointer copies the WAL into
// the database file and makes the WAL start over, so it stays bounded
// although the writer never checkpoints; the data survives a reopen.
func TestCheckpointsBoundTheWAL(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	pad := strings.Repeat("x", 12000) // three to four pages a document
	const docs = restartFrames / 2    // about 1.5 × restartFrames pages
	write := func(i int) {
		id := armid.MustParse(fmt.Sprintf("/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Contoso.Bench/widgets/w%d", i))
		d, err := store.NewDocument(id, fmt.Appendf(nil, `{"id":%q,"properties":{"pad":%q}}`, id, pad))
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Update(ctx, func(tx store.Tx) error { _, err := tx.Put(ctx, d, store.Condition{}); return err }); err != nil {
			t.Fatal(err)
		}
	}
	for i := range docs {
		write(i)
	}
	// Once the checkpointer has
	// caught up and the next write started the WAL over, it is short again.
	probe, err := newSession(ctx, db.w)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		write(docs)
		frames, err := checkpoint(probe)
		if err != nil {
			t.Fatal(err)
		}
		if frames < restartFrames {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("WAL still holds %d pages", frames)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := db.checkpointErrors.Load(); n != 0 {
		t.Errorf("%d checkpoints failed", n)
	}
	// Without checkpoints everything would still be in the WAL and the
	// database file a few pages long; the last pages written may still be
	// in the WAL, hence half the documents' size as the bound.
	if fi, err := os.Stat(filepath.Join(dir, FileName)); err != nil || fi.Size() < int64(docs*len(pad)/2) {
		t.Errorf("database file after checkpoints: %v, %v", fi.Size(), err)
	}
	probe.close()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(ctx, func(tx store.Tx) error {
		page, err := tx.List(ctx, store.Query{Types: []string{"Contoso.Bench/widgets"}})
		if err == nil && len(page.Documents) != docs+1 {
			err = fmt.Errorf("%d documents after reopening, want %d", len(page.Documents), docs+1)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
