// What a page says when the application, job or stage it names does not exist.

import { h } from '../dom.js';

export function notFoundPage(message) {
  return {
    title: 'Not found',
    notFound: true,
    body: h('section', { class: 'not-found', 'data-testid': 'not-found' },
      h('h1', {}, 'Not found'), h('p', {}, message), h('p', {}, h('a', { href: '/' }, 'All applications'))),
  };
}
