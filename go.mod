module github.com/tokcli/tok

go 1.26.0

require github.com/valyala/fastjson v1.6.10
