package tui_test

import (
	"context"
	"strings"
	"testing"

	"github.com/ceremony-dev/ceremony/room"
)

// edit types text and presses keys in order: a step that names a key is
// pressed, any other is typed.
func (r *screen) edit(steps ...string) {
	for _, s := range steps {
		switch s {
		case "left", "right", "backspace", "ctrl+u", "ctrl+w", "ctrl+e", "tab", "enter":
			r.keys(s)
		default:
			r.tm.Type(s)
		}
	}
}

// TestEditingText: text that may be seen is edited where the cursor is, and
// ctrl+u clears all of it, as the footer says, wherever the cursor is.
func TestEditingText(t *testing.T) {
	left := func(n int) []string { return strings.Split(strings.Repeat("left ", n-1)+"left", " ") }
	cases := []struct {
		name  string
		steps []string
		want  string
	}{
		{"typed", []string{"HB12345678"}, "HB12345678"},
		{"inserted where the cursor is", append(append([]string{"HB2345678"}, left(7)...), "1"), "HB12345678"},
		{"ctrl+u clears the whole line", []string{"HX999", "left", "left", "ctrl+u", "HB12345678"}, "HB12345678"},
		{"ctrl+w deletes a word", []string{"HB12345678 typo", "ctrl+w", "backspace"}, "HB12345678"},
		{"backspace before the cursor", []string{"HB123456789", "left", "backspace"}, "HB12345679"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newKSK(t, 80, 24)
			got := ask(r, func(ctx context.Context) ([]byte, error) {
				return r.ui.Value(ctx, room.ValueRequest{Label: "HSM bag"})
			})
			r.waitFor("HSM bag")
			r.edit(c.steps...)
			r.edit("enter")
			if v, err := await(t, got); string(v) != c.want || err != nil {
				t.Fatalf("Value = %q, %v; want %q", v, err, c.want)
			}
		})
	}
}

// TestExceptionFormTextKeys: on a text field, ←/→ move the cursor and leave
// the choices alone, and ctrl+e, which would record an exception elsewhere,
// neither opens a second form nor moves anything.
func TestExceptionFormTextKeys(t *testing.T) {
	r := newKSK(t, 80, 24)
	got := ask(r, func(ctx context.Context) (room.ExceptionReport, error) {
		return r.ui.Exception(ctx, room.ExceptionForm{
			Step: ksk.Acts[1].Steps[0], Happened: "the line dropped",
			Decisions: []string{"retry", "skip"}, Approvers: []room.Participant{alice, ivan},
		})
	})
	r.waitFor("Exception at step 2.1")
	r.edit("one cl", "left", "ctrl+e", "a", "right", "l")
	r.edit("enter", "enter", "enter", "enter")
	rep, err := await(t, got)
	if err != nil || rep.Expected != "one call" || rep.Decision != "retry" || rep.Approver.ID != alice.ID {
		t.Fatalf("Exception = %+v, %v; want Expected %q, Decision retry, Approver alice", rep, err, "one call")
	}
}

// TestChooseByDigit: the digits of the options there are pick; the footer
// names them, and a digit past the last option does nothing.
func TestChooseByDigit(t *testing.T) {
	r := newKSK(t, 80, 24)
	got := ask(r, func(ctx context.Context) (int, error) {
		return r.ui.Choose(ctx, room.Choice{Title: "Who is at the keyboard for CA?", Options: []string{"Alice Adams", "Bob Brown", "Dana Diaz"}})
	})
	r.waitFor("1-3 pick")
	r.edit("3", "4", "enter")
	if i, err := await(t, got); i != 2 || err != nil {
		t.Fatalf("Choose = %d, %v; want 2, nil", i, err)
	}
}
