package onnxproto

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// protoFields reads the field declarations of a .proto file: message name
// (nested ones as "Outer.Inner") → declaration → field number.
func protoFields(t *testing.T, path string) map[string]map[string]int64 {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]int64{}
	var msgs, blocks []string // open messages; kinds of open blocks
	msgRe := regexp.MustCompile(`^message (\w+) \{`)
	blockRe := regexp.MustCompile(`^(oneof|enum) \w+ \{`)
	fieldRe := regexp.MustCompile(`^(?:(?:optional|repeated) )?[\w.]+ \w+ = (\d+)(?: \[[^\]]*\])?;$`)
	for _, line := range strings.Split(string(data), "\n") {
		code, _, _ := strings.Cut(line, "//")
		code = strings.TrimSpace(code)
		switch {
		case msgRe.MatchString(code):
			msgs = append(msgs, msgRe.FindStringSubmatch(code)[1])
			blocks = append(blocks, "message")
		case blockRe.MatchString(code):
			blocks = append(blocks, blockRe.FindStringSubmatch(code)[1])
		case strings.HasPrefix(code, "}"):
			if blocks[len(blocks)-1] == "message" {
				msgs = msgs[:len(msgs)-1]
			}
			blocks = blocks[:len(blocks)-1]
		case len(msgs) > 0 && blocks[len(blocks)-1] != "enum" && fieldRe.MatchString(code):
			n, _ := strconv.ParseInt(fieldRe.FindStringSubmatch(code)[1], 10, 64)
			m := strings.Join(msgs, ".")
			if out[m] == nil {
				out[m] = map[string]int64{}
			}
			out[m][code] = n
		}
	}
	return out
}

// TestFieldsMatchProto checks every constant against the .proto files of
// ONNX 1.23 (copied into testdata): its comment is a declaration of the
// message its group names, and its value is that declaration's number.
func TestFieldsMatchProto(t *testing.T) {
	fields := protoFields(t, "testdata/onnx.proto")
	for m, fs := range protoFields(t, "testdata/onnx-data.proto") {
		fields[m] = fs
	}
	if len(fields["ModelProto"]) == 0 || len(fields["TypeProto.Tensor"]) == 0 || len(fields["SequenceProto"]) == 0 {
		t.Fatalf("proto parser found no fields: %v", fields)
	}
	file, err := parser.ParseFile(token.NewFileSet(), "onnxproto.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	msgRe := regexp.MustCompile(`^message ([\w.]+)`)
	checked := 0
	for _, decl := range file.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST || gd.Doc == nil {
			continue
		}
		sm := msgRe.FindStringSubmatch(gd.Doc.Text())
		if sm == nil {
			continue // not a message's fields
		}
		msg := sm[1]
		if fields[msg] == nil {
			t.Errorf("message %s is not declared in the .proto files", msg)
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			name := vs.Names[0].Name
			lit, ok := vs.Values[0].(*ast.BasicLit)
			if vs.Comment == nil || !ok {
				t.Errorf("%s: want a literal number and a comment with its declaration", name)
				continue
			}
			value, _ := strconv.ParseInt(lit.Value, 10, 64)
			d := strings.TrimSpace(vs.Comment.Text())
			n, ok := fields[msg][d]
			switch {
			case !ok:
				t.Errorf("%s: %q is not a field of %s", name, d, msg)
			case n != value:
				t.Errorf("%s = %d, but %s declares %q", name, value, msg, d)
			}
			checked++
		}
	}
	if checked < 100 {
		t.Errorf("only %d constants checked", checked)
	}
}
