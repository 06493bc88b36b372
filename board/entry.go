package board

import (
	"strings"
	"time"
)

// NewEntry assembles an entry from a checked manifest, its board, the
// submitter's token, the received file and the server's count.
func NewEntry(man *Manifest, b *Board, tok *Token, file ModelFile, counted *Counted, now time.Time) *Entry {
	now = now.UTC()
	if counted != nil && counted.Doc != nil {
		counted.Doc.Model = strings.TrimSpace(man.Model)
	}
	return &Entry{
		ID: NewEntryID(now), Board: b.Name, Model: strings.TrimSpace(man.Model), Submitter: tok.Submitter,
		Metric: man.Metrics[b.Metric], Metrics: man.Metrics, Paper: man.Paper, Code: man.Code, Notes: man.Notes,
		Created: now, SubmissionID: man.SubmissionID, File: file,
		Counted: counted, Claimed: man.Claimed, Flags: CheckClaims(man.Claimed, counted),
		Energy: Summarize(man.Runs), Runs: man.Runs, Trials: man.Trials, Spec: man.CostSpec,
	}
}
