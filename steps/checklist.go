package steps

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Events of a checklist: each item as it is confirmed, then the whole list.
const (
	EvChecklistItem = "checklist.item"
	EvChecklistDone = "checklist.done"
)

// Checklist: each item confirmed in turn. Lua: checklist { "title", items = {...} }
type Checklist struct {
	At
	Title string
	Items []string
}

func init() {
	register(Primitive{Name: "checklist", Parse: func(a Args, at At) (Call, error) {
		c := Checklist{At: at, Title: a.Text(1, true), Items: a.Strings("items")}
		if len(c.Items) == 0 {
			return nil, errors.New("items must list at least one item")
		}
		return c, nil
	}})
}

func (c Checklist) Placeholder() any { return nil }
func (c Checklist) Brief() string {
	return c.brief(fmt.Sprintf("%s (%d items)", c.Title, len(c.Items)))
}
func (c Checklist) Lint(Linter) {}

func (c Checklist) Paper() string {
	return fmt.Sprintf("Checklist %s: [ ] %s", c.Title, strings.Join(c.Items, "  [ ] "))
}

func (c Checklist) Run(ctx context.Context, h Host) (any, error) {
	rec, err := h.Replay(c.Name, Replay{Final: []string{EvChecklistDone}, Steps: []string{EvChecklistItem},
		Void: "the checklist was interrupted; every item is confirmed again"})
	if err != nil || rec.Found() {
		return nil, err
	}
	for i, item := range c.Items {
		text := fmt.Sprintf("%s (%d of %d): %s", c.Title, i+1, len(c.Items), item)
		if err := confirmStep(ctx, h, text); err != nil {
			return nil, err
		}
		if err := h.Append(EvChecklistItem, "", map[string]any{"title": c.Title, "item": item, "index": i + 1}); err != nil {
			return nil, err
		}
	}
	return nil, h.Append(EvChecklistDone, "", map[string]any{"title": c.Title, "items": len(c.Items)})
}
