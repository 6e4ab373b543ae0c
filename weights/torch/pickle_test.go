package torch

import (
	"encoding/hex"
	"math/big"
	"reflect"
	"strings"
	"testing"
)

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func noPID(any) (any, error) { panic("unexpected persistent id") }

// TestUnpickleProtocol4 decodes what Python 3.11's pickle.dumps(v, protocol=4) writes for
// OrderedDict([('a', [1, -2, 300, 70000, -2**40, 3.5, True, False, None, b'xy', (1,), (1,2),
// (1,2,3), (), 2**70, -2**70, 'é']), ('b', {'k': 'v', 1: 2})]).
func TestUnpickleProtocol4(t *testing.T) {
	data := mustHex(t, "80049596000000000000008c0b636f6c6c656374696f6e73948c0b4f72646572656444696374949394295294288c0161945d94284b014afeffffff4d2c014a701101008a060000000000ff47400c00000000000088894e43027879944b0185944b014b0286944b014b024b038794298a090000000000000000408a090000000000000000c08c02c3a994658c0162947d94288c016b948c0176944b014b0275752e")
	v, end, err := unpickle(data, 0, noPID)
	if err != nil {
		t.Fatal(err)
	}
	if end != len(data) {
		t.Errorf("end = %d, want %d", end, len(data))
	}
	d, ok := v.(*dict)
	if !ok || !reflect.DeepEqual(d.keys, []any{"a", "b"}) {
		t.Fatalf("got %#v", v)
	}
	two70 := new(big.Int).Lsh(big.NewInt(1), 70)
	want := []any{int64(1), int64(-2), int64(300), int64(70000), int64(-1 << 40), 3.5, true, false, nil, []byte("xy"),
		tuple{int64(1)}, tuple{int64(1), int64(2)}, tuple{int64(1), int64(2), int64(3)}, tuple{},
		two70, new(big.Int).Neg(two70), "é"}
	got := d.vals[0].(*list).items
	if len(got) != len(want) {
		t.Fatalf("list has %d items, want %d: %#v", len(got), len(want), got)
	}
	for i := range want {
		if w, ok := want[i].(*big.Int); ok {
			if g, ok := got[i].(*big.Int); !ok || g.Cmp(w) != 0 {
				t.Errorf("item %d = %v, want %v", i, got[i], w)
			}
			continue
		}
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("item %d = %#v, want %#v", i, got[i], want[i])
		}
	}
	inner := d.vals[1].(*dict)
	if v, _ := inner.get("k"); v != "v" || inner.vals[1] != int64(2) || inner.keys[1] != int64(1) {
		t.Errorf("inner dict = %#v", inner)
	}
}

// TestUnpickleRefusesGlobals checks that a protocol 2 pickle of bytes, which
// Python writes as a call of _codecs.encode, and a pickle that would run
// os.system are refused, naming the global.
func TestUnpickleRefusesGlobals(t *testing.T) {
	tests := map[string][]byte{
		"_codecs.encode": mustHex(t, "800263636f6c6c656374696f6e730a4f726465726564446963740a7100295271012858010000006171025d7103284b014afeffffff4d2c014a701101008a060000000000ff47400c00000000000088894e635f636f646563730a656e636f64650a710458020000007879710558060000006c6174696e3171068671075271084b018571094b014b0286710a4b014b024b0387710b298a090000000000000000408a090000000000000000c05802000000c3a9710c65580100000062710d7d710e2858010000006b710f58010000007671104b014b0275752e"),
		"os.system":      []byte("\x80\x02cos\nsystem\nq\x00X\x04\x00\x00\x00echoq\x01\x85q\x02Rq\x03."),
		"builtins.eval":  []byte("\x80\x04\x8c\x08builtins\x8c\x04eval\x93\x8c\x011\x85R."),
		"torch.load":     []byte("\x80\x02ctorch\nload\n)R."),
		"torch.FloatStorage.__call__ is not a global, but calling it is refused": []byte("\x80\x02ctorch\nFloatStorage\n)R."),
	}
	for want, data := range tests {
		_, _, err := unpickle(data, 0, noPID)
		if err == nil {
			t.Errorf("%s: unpickle succeeded", want)
			continue
		}
		name, _, _ := strings.Cut(want, ".__call__")
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not name %s", err, name)
		}
	}
}

func TestUnpickleMalformed(t *testing.T) {
	tests := []struct {
		name string
		data string
		want string
	}{
		{"empty", "", "no STOP"},
		{"no stop", "\x80\x02K\x01", "no STOP"},
		{"text opcode", "\x80\x02I1\n.", "unsupported opcode"},
		{"unknown protocol", "\x80\x09N.", "protocol 9"},
		{"stack underflow", "\x80\x02a.", "stack underflow"},
		{"empty stop", ".", "STOP with 0 values"},
		{"two values", "NN.", "STOP with 2 values"},
		{"mark at stop", "(.", "MARK"},
		{"tuple without mark", "NNt.", "no MARK"},
		{"append to dict", "}Na.", "append to a dict"},
		{"setitem on list", "]NNs.", "set item on a list"},
		{"odd setitems", "}(Nu.", "odd number"},
		{"unhashable key", "}]Ns.", "dict key of type list"},
		{"undefined memo", "h\x05.", "memo entry 5"},
		{"truncated string", "X\xff\x00\x00\x00ab.", "truncated"},
		{"huge string", "\x8d\xff\xff\xff\xff\xff\xff\xff\xffab.", "truncated"},
		{"unterminated global", "ccollections", "unterminated"},
		{"call a string", "X\x01\x00\x00\x00a)R.", "cannot call a str"},
		{"args not a tuple", "ccollections\nOrderedDict\nNR.", "want a tuple"},
		{"build on list", "]}b.", "BUILD on a list"},
		{"memoize mark", "(\x94.", "memoize a MARK"},
		{"pop mark", "(0.", "MARK"},
		{"tuple2 over mark", "(N\x86.", "MARK"},
	}
	for _, tc := range tests {
		_, _, err := unpickle([]byte(tc.data), 0, noPID)
		if err == nil {
			t.Errorf("%s: unpickle succeeded", tc.name)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %q, want it to contain %q", tc.name, err, tc.want)
		}
	}
}

func TestDecodeLong(t *testing.T) {
	tests := []struct {
		b    []byte
		want int64
	}{
		{nil, 0},
		{[]byte{0xff}, -1},
		{[]byte{0x7f}, 127},
		{[]byte{0x80, 0x00}, 128},
		{[]byte{0x00, 0x80}, -32768},
		{[]byte{1, 0, 0, 0, 0, 0, 0, 0x80}, -1<<63 + 1},
	}
	for _, tc := range tests {
		if got := decodeLong(tc.b); got != tc.want {
			t.Errorf("decodeLong(% x) = %v, want %d", tc.b, got, tc.want)
		}
	}
	magic := decodeLong([]byte{0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19})
	if m, ok := magic.(*big.Int); !ok || m.Cmp(legacyMagic) != 0 {
		t.Errorf("magic = %v, want %v", magic, legacyMagic)
	}
}
