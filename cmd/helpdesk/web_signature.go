package main

import "net/http"

// saveSignature stores the signature the agent's responses from the panel
// end with (My Account). It is added to the response itself, so the
// thread, the mail and the API all hold what the citizen received;
// replies an agent writes in their own mail client carry that client's
// signature instead, and get none added.
func (s *server) saveSignature(w http.ResponseWriter, r *http.Request) {
	wc := webFrom(r)
	sig := r.PostFormValue("signature")
	err := s.store.SetSignature(r.Context(), wc.agent.ID, sig)
	if errs, ok := draftErrors(err); ok {
		s.formFailed(w, r, &formDraft{Form: "signature", Back: "/agent/account", Errors: errs,
			Values: map[string]string{"signature": sig}}, s.showAccount)
		return
	}
	if err != nil {
		s.webError(w, r, err)
		return
	}
	s.clearDraft(w, r)
	redirect(w, r, "/agent/account?saved=signature")
}
