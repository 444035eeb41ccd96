package main

import (
	"database/sql"
	"net/http"
	"strconv"

	"github.com/kemsos/helpdesk/tickets"
)

// Canned responses (issue 12), kept by admins under /admin/canned: per
// department or for all, with placeholders ({nama}, {nomor}…; see
// tickets.CannedPlaceholders) filled in when an agent inserts one.

// Placeholders lists them for the admin page.
func (d *adminData) Placeholders() []struct{ ID, EN, What string } { return tickets.CannedPlaceholders }

// DeptOf is a canned response's department id, 0 for all.
func (d *adminData) DeptOf(c tickets.Canned) int { return int(c.DepartmentID.Int64) }

func (s *server) adminCanned(w http.ResponseWriter, r *http.Request) {
	s.adminPage(w, r, "canned")
}

func cannedFromForm(r *http.Request, id int) (tickets.Canned, map[string]string) {
	dept, _ := strconv.Atoi(r.PostFormValue("department"))
	c := tickets.Canned{ID: id, Title: r.PostFormValue("title"), Body: r.PostFormValue("body"),
		DepartmentID: sql.NullInt64{Int64: int64(dept), Valid: dept != 0}}
	return c, map[string]string{"Title": c.Title, "Body": c.Body, "Department": strconv.Itoa(dept)}
}

func (s *server) adminAddCanned(w http.ResponseWriter, r *http.Request) {
	c, form := cannedFromForm(r, 0)
	_, err := s.store.SaveCanned(r.Context(), c)
	s.adminDone(w, r, "canned", form, err)
}

func (s *server) adminUpdateCanned(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.Atoi(r.PathValue("id"))
	c, _ := cannedFromForm(r, id)
	_, err := s.store.SaveCanned(r.Context(), c)
	s.adminDone(w, r, "canned", map[string]string{}, err)
}

func (s *server) adminDeleteCanned(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.Atoi(r.PathValue("id"))
	s.adminDone(w, r, "canned", map[string]string{}, s.store.DeleteCanned(r.Context(), id))
}
