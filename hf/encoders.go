package hf

import "errors"

// Not reachable until the bert, roberta and t5 families are registered.
func (m *lm) bert() error { return errors.New("hf: bert builder not available") }
func (m *lm) t5() error   { return errors.New("hf: t5 builder not available") }
