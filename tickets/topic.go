package tickets

import (
	"context"
	"errors"
	"strings"
)

// patchTopic resolves the patch's new help topic (by id or name) through
// view; nil when the topic stays. A topic that does not exist or is no
// longer offered is a field error in v.
func (s *Store) patchTopic(ctx context.Context, view View, v *ValidationError, p *Patch, t *Ticket) (*Topic, error) {
	var topic *Topic
	var err error
	switch {
	case p.TopicID != 0:
		topic, err = view.TopicByID(ctx, p.TopicID)
	case strings.TrimSpace(p.Topic) != "":
		topic, err = view.TopicByName(ctx, p.Topic)
	default:
		return nil, nil
	}
	if errors.Is(err, ErrNotFound) || err == nil && !topic.Active {
		v.add("topic", "no such help topic")
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if t.TopicID.Valid && t.TopicID.Int64 == int64(topic.ID) {
		return nil, nil
	}
	return topic, nil
}

// setTopic gives t another help topic, with an event. The department and
// the due date stay: moving the ticket is a transfer, a decision of its own.
func (s *Store) setTopic(ctx context.Context, tx *Tx, t *Ticket, a Actor, topic *Topic) (*Ticket, error) {
	if _, err := tx.ExecContext(ctx, `UPDATE tickets SET topic_id = $2, updated_at = $3 WHERE id = $1`, t.ID, topic.ID, s.now()); err != nil {
		return nil, err
	}
	data := map[string]string{"from": t.TopicName.String, "to": topic.Name}
	if _, err := s.event(ctx, tx, t, a, "topic", data); err != nil {
		return nil, err
	}
	nt, err := s.getTicket(ctx, tx, "t.id = $1", t.ID, false)
	if err != nil {
		return nil, err
	}
	return nt, s.fire(ctx, tx, &Change{Kind: ChangeTopic, Ticket: nt, Actor: a, Detail: data})
}
