package id

import (
	"testing"
	"time"
)

// TestBeforeSortsByTime: ids made after t sort at or after Before(t), ids made before sort
// before it.
func TestBeforeSortsByTime(t *testing.T) {
	earlier := New("evt")
	time.Sleep(3 * time.Millisecond)
	cut := time.Now()
	time.Sleep(3 * time.Millisecond)
	later := New("evt")
	b := Before("evt", cut)
	if !(earlier < b) {
		t.Errorf("%s made before %v does not sort before %s", earlier, cut, b)
	}
	if !(later >= b) {
		t.Errorf("%s made after %v sorts before %s", later, cut, b)
	}
}
