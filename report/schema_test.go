package report

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/greenai/greenai/fpo"
	"github.com/greenai/greenai/hf"
	"github.com/greenai/greenai/modelfile"
	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
)

// checkSchema checks a JSON value against the subset of JSON Schema that
// docs/schema uses: required keys, declared properties (no undeclared key
// where "properties" is given and additionalProperties is not), types,
// const and enum, $ref into $defs, oneOf, items, additionalProperties.
func checkSchema(root, s map[string]any, v any, path string) []string {
	if ref, ok := s["$ref"].(string); ok {
		if !strings.HasPrefix(ref, "#") {
			// Another schema file beside this one: it becomes the root.
			root = readSchema(ref)
			return checkSchema(root, root, v, path)
		}
		name := strings.TrimPrefix(ref, "#/$defs/")
		s = root["$defs"].(map[string]any)[name].(map[string]any)
	}
	var errs []string
	if c, ok := s["const"]; ok && fmt.Sprint(c) != fmt.Sprint(v) {
		errs = append(errs, fmt.Sprintf("%s: %v, want %v", path, v, c))
	}
	if e, ok := s["enum"].([]any); ok {
		found := false
		for _, x := range e {
			found = found || fmt.Sprint(x) == fmt.Sprint(v)
		}
		if !found {
			errs = append(errs, fmt.Sprintf("%s: %v not in %v", path, v, e))
		}
	}
	if alts, ok := s["oneOf"].([]any); ok {
		n := 0
		for _, a := range alts {
			if len(checkSchema(root, a.(map[string]any), v, path)) == 0 {
				n++
			}
		}
		if n != 1 {
			errs = append(errs, fmt.Sprintf("%s: %v matches %d of oneOf", path, v, n))
		}
	}
	if t, ok := s["type"]; ok {
		types := []any{t}
		if l, ok := t.([]any); ok {
			types = l
		}
		okType := false
		for _, ty := range types {
			okType = okType || jsonType(v, ty.(string))
		}
		if !okType {
			return append(errs, fmt.Sprintf("%s: %T is not %v", path, v, t))
		}
	}
	switch x := v.(type) {
	case map[string]any:
		props, _ := s["properties"].(map[string]any)
		for _, r := range asList(s["required"]) {
			if _, ok := x[r.(string)]; !ok {
				errs = append(errs, fmt.Sprintf("%s: lacks required %q", path, r))
			}
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if p, ok := props[k].(map[string]any); ok {
				errs = append(errs, checkSchema(root, p, x[k], path+"."+k)...)
			} else if ap, ok := s["additionalProperties"].(map[string]any); ok {
				errs = append(errs, checkSchema(root, ap, x[k], path+"."+k)...)
			} else if props != nil {
				errs = append(errs, fmt.Sprintf("%s: key %q is not in the schema", path, k))
			}
		}
	case []any:
		if it, ok := s["items"].(map[string]any); ok {
			for i, e := range x {
				errs = append(errs, checkSchema(root, it, e, fmt.Sprintf("%s[%d]", path, i))...)
			}
		}
	}
	return errs
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func jsonType(v any, t string) bool {
	switch t {
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "integer":
		f, ok := v.(float64)
		return ok && f == float64(int64(f))
	case "number":
		_, ok := v.(float64)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "null":
		return v == nil
	}
	return false
}

// readSchema reads docs/schema/name (nil if it cannot be read or parsed:
// every value then fails the schema's missing type).
func readSchema(name string) map[string]any {
	data, err := os.ReadFile(filepath.Join("..", "docs", "schema", name))
	if err != nil {
		return map[string]any{"type": "missing schema " + name}
	}
	var schema map[string]any
	if err := json.Unmarshal(data, &schema); err != nil {
		return map[string]any{"type": "unparsable schema " + name}
	}
	return schema
}

// validate marshals doc and checks it against docs/schema/NAME.
func validate(t *testing.T, name string, doc any) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "docs", "schema", name))
	if err != nil {
		t.Fatal(err)
	}
	var schema map[string]any
	if err := json.Unmarshal(data, &schema); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	json.Unmarshal(b, &v)
	for _, e := range checkSchema(schema, schema, v, "$") {
		t.Errorf("%s: %s", name, e)
	}
}

func countModel(t *testing.T, path string, dims map[string]int64, conv fpo.Convention) (*shape.Result, *fpo.Report) {
	t.Helper()
	m, err := onnx.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	res, err := shape.Infer(m, shape.Options{Dims: dims})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := fpo.Count(res, fpo.Options{Convention: conv})
	if err != nil {
		t.Fatal(err)
	}
	return res, rep
}

func TestFPODocSchema(t *testing.T) {
	res, rep := countModel(t, "../testdata/models/resnet18.onnx", map[string]int64{"batch": 1}, fpo.ConvFvcore)
	validate(t, "fpo.schema.json", NewFPO("resnet18.onnx", res, rep, nil))
	res, rep = countModel(t, "../testdata/models/gpt2_small.onnx", nil, fpo.ConvFPO)
	d := NewFPO("gpt2_small.onnx", res, rep, nil)
	validate(t, "fpo.schema.json", d)
	if d.SharesAt["batch"] != 1 || d.SharesAt["sequence"] != 1 || d.Symbolic == nil {
		t.Errorf("shares_at %v, symbolic %v", d.SharesAt, d.Symbolic)
	}
}

// The checker itself finds a missing key, an undeclared key and a wrong type.
func TestCheckSchemaCatches(t *testing.T) {
	data, _ := os.ReadFile("../docs/schema/fpo.schema.json")
	var schema map[string]any
	json.Unmarshal(data, &schema)
	res, rep := countModel(t, "../testdata/models/resnet18.onnx", map[string]int64{"batch": 1}, fpo.ConvFPO)
	b, _ := json.Marshal(NewFPO("r", res, rep, nil))
	var v map[string]any
	json.Unmarshal(b, &v)
	delete(v, "nodes")
	v["surprise"] = 1
	v["totals"].(map[string]any)["params"] = "many"
	errs := strings.Join(checkSchema(schema, schema, v, "$"), "\n")
	for _, want := range []string{`lacks required "nodes"`, `key "surprise"`, "$.totals.params"} {
		if !strings.Contains(errs, want) {
			t.Errorf("checker missed %q; found:\n%s", want, errs)
		}
	}
}

func TestInspectDocSchema(t *testing.T) {
	for _, p := range []string{"../testdata/models/resnet18.onnx", "../testdata/models/gpt2_small.onnx"} {
		f, err := modelfile.Open(p, modelfile.Options{})
		if err != nil {
			t.Fatal(err)
		}
		res, err := shape.Infer(f.Graph, shape.Options{})
		if err != nil {
			t.Fatal(err)
		}
		d := NewInspect(p, f, res, true)
		validate(t, "inspect.schema.json", d)
		var b strings.Builder
		if err := d.Write(&b, Plain, 80); err != nil {
			t.Fatal(err)
		}
		checkWidth(t, p, b.String(), 80)
		f.Close()
	}
}

func TestEVPDocSchema(t *testing.T) {
	trials := readTrials(t, "testdata/trials.csv")
	for _, opts := range []EVPOptions{{}, {Cost: "fpo"}, {Score: "val_acc", LowerIsBetter: true}} {
		rep, err := ComputeEVP(trials, opts)
		if err != nil {
			t.Fatal(err)
		}
		d, err := NewEVP(rep, func(Trial) string { return "run-1" })
		if err != nil {
			t.Fatal(err)
		}
		validate(t, "evp.schema.json", d)
		if opts.Score == "val_acc" && strings.Contains(rep.Table(nil).Caption, "validation val_acc") {
			t.Errorf("caption says validation twice: %s", rep.Table(nil).Caption)
		}
	}
}

func TestReportDocSchema(t *testing.T) {
	models, err := ReadModels("testdata/models.csv")
	if err != nil {
		t.Fatal(err)
	}
	cmp := &ModelComparison{Models: models}
	views, _, err := cmp.Views([]string{"fpo", "macs", "params"})
	if err != nil {
		t.Fatal(err)
	}
	d := NewReport("pareto", cmp.Table(views, []string{"fpo", "macs", "params"}))
	validate(t, "report.schema.json", d)
	var b strings.Builder
	if err := d.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var back ReportDoc
	if err := json.Unmarshal([]byte(b.String()), &back); err != nil || len(back.Tables) != 1 || len(back.Tables[0].Rows) != len(models) {
		t.Fatalf("read back %v: %+v", err, back)
	}
	// Numbers are numbers at full precision; names are strings.
	row := back.Tables[0].Rows[0]
	if _, ok := row[back.Tables[0].Columns[0]].(string); !ok {
		t.Errorf("first column %v is not a string", row)
	}
	numbers := 0
	for _, v := range row {
		if _, ok := v.(float64); ok {
			numbers++
		}
	}
	if numbers < 3 {
		t.Errorf("row %v: want the counts and accuracy as numbers", row)
	}
}

// An fpo document of a model built from a Hugging Face config carries the
// language-model section, and matches fpo.schema.json (and llm.schema.json).
func TestFPODocLanguageModelSchema(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(cfg, []byte(tinyLlama), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, phase := range []hf.Phase{hf.Prefill, hf.Decode} {
		f, err := modelfile.Open(cfg, modelfile.Options{Build: hf.BuildOptions{Phase: phase}})
		if err != nil {
			t.Fatal(err)
		}
		res, err := shape.Infer(f.Graph, shape.Options{})
		if err != nil {
			t.Fatal(err)
		}
		rep, err := fpo.Count(res, fpo.Options{})
		if err != nil {
			t.Fatal(err)
		}
		d := NewFPO(cfg, res, rep, nil)
		d.Source, d.Weights, d.WeightsCheck = NewSource(f)
		d.LanguageModel = NewLLM(f.HF, hf.Summarize(f.HF, res), rep.FPO, "forward pass", nil, false)
		validate(t, "fpo.schema.json", d)
		if d.LanguageModel.Phase != phase.String() || len(d.LanguageModel.Rules) == 0 {
			t.Errorf("language model %+v", d.LanguageModel)
		}
		f.Close()
	}
}
