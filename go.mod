module github.com/greenai/greenai

go 1.26.8
