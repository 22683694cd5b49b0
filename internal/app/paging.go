package app

// pageOf turns a store read of limit+1 rows into one page of views. The extra
// row only signals that another page exists; the cursor for it is the ID of the
// last row shown, which is what every cursor-paged store list reads after.
func pageOf[R, V any](rows []R, limit int, id func(R) string, view func(R) V) (items []V, next string) {
	if len(rows) > limit {
		rows, next = rows[:limit], id(rows[limit-1])
	}
	items = make([]V, len(rows))
	for i, r := range rows {
		items[i] = view(r)
	}
	return items, next
}
