package records

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
)

// ShortHashLen is the number of hex digits of the configuration hash in a
// default run ID.
const ShortHashLen = 12

// CanonicalJSON returns the canonical JSON form of config: the output of
// encoding/json with every object's keys sorted and no spaces. Numbers keep
// the exact text encoding/json writes for them, so the form is stable
// across runs and Go versions that format numbers alike. Map iteration
// order never changes it.
func CanonicalJSON(config any) ([]byte, error) {
	raw, err := json.Marshal(config)
	if err != nil {
		return nil, fmt.Errorf("records: configuration cannot be encoded as JSON: %w; use fields of plain types (numbers, strings, slices, maps, structs)", err)
	}
	return canonicalize(raw)
}

// canonicalize re-encodes JSON text with sorted keys. Decoding into
// interface values with UseNumber keeps numbers as their literal text, and
// encoding/json writes map keys in sorted order.
func canonicalize(raw []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("records: configuration JSON is invalid: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("records: configuration JSON has data after the first value")
	}

	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("records: configuration JSON: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// ConfigHash returns the identity of a run: the hex SHA-256 of the
// canonical JSON of its resolved configuration (64 hex digits). Two
// configurations with the same content give the same hash; any change to a
// value, a key or a nesting gives a different one. Pass only settings that
// determine the result: a field such as an output folder or a worker count
// in the configuration makes equal experiments look different.
func ConfigHash(config any) (string, error) {
	canon, err := CanonicalJSON(config)
	if err != nil {
		return "", err
	}
	return hashOf(canon), nil
}

func hashOf(canon []byte) string {
	sum := sha256.Sum256(canon)
	return hex.EncodeToString(sum[:])
}

// indentedConfig returns the canonical JSON indented by two spaces, as
// written to config.json.
func indentedConfig(canon []byte) []byte {
	var buf bytes.Buffer
	// canon is valid JSON, so Indent cannot fail.
	_ = json.Indent(&buf, canon, "", "  ")
	buf.WriteByte('\n')
	return buf.Bytes()
}
